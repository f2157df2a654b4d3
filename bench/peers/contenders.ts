/**
 * The peer pools bench/dispatch.ts compares workloom with, each behind the same small
 * `Contender` shape. Every peer runs on the runtime that runs the script (Deno or Bun), through
 * that runtime's node:worker_threads, with exactly two workers, on the same task functions
 * (bench/fixtures/bench_tasks.ts, re-exported by the worker files next to this one).
 *
 * Defaults are left alone on purpose (piscina's Atomics wake-up path, poolifier's round-robin,
 * workerpool's queue): the table compares pools as users get them. The two exceptions are
 * runtime workarounds, commented where they are made (tinypool on Deno, workerpool on Bun).
 */
import { fileURLToPath } from "node:url";

/** The task names bench_tasks.ts exports. */
export type TaskName = "noop" | "spin";

/** One pool under test. `start()` must leave every worker up and warm enough to answer. */
export interface Contender {
  name: string;
  start(): Promise<void>;
  run(task: TaskName, input: number): Promise<unknown>;
  close(): Promise<void>;
}

/** Pool size for every contender: the issue compares pools of two workers. */
export const POOL_SIZE = 2;

const here = (file: string): URL => new URL(file, import.meta.url);

// piscina and tinypool import the worker file themselves and call the export named by
// `{ name }`, so one file serves both.
const NAMED_TASKS = here("./named_tasks.mjs");

/** Sends one no-op to each worker so start-up cost never lands in a measurement. */
async function touchEveryWorker(c: Contender): Promise<void> {
  await Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => c.run("noop", i)));
}

/** piscina: `new Piscina({ filename })`, `run(input, { name })`, `destroy()`. */
export function piscinaContender(): Contender {
  let pool: import("piscina").Piscina | undefined;
  const c: Contender = {
    name: "piscina",
    async start() {
      const { Piscina } = await import("piscina");
      pool = new Piscina({
        filename: NAMED_TASKS.href,
        minThreads: POOL_SIZE,
        maxThreads: POOL_SIZE,
      });
      await touchEveryWorker(c);
    },
    run: (task, input) => pool!.run(input, { name: task }),
    close: async () => await pool?.destroy(),
  };
  return c;
}

/** tinypool (a piscina fork): same shape as piscina. */
export function tinypoolContender(): Contender {
  let pool: import("tinypool").Tinypool | undefined;
  const c: Contender = {
    name: "tinypool",
    async start() {
      const { Tinypool } = await import("tinypool");
      pool = new Tinypool({
        filename: NAMED_TASKS.href,
        minThreads: POOL_SIZE,
        maxThreads: POOL_SIZE,
        // Deno workaround: with tinypool's default Atomics wake-up (the worker blocks in
        // Atomics.wait and drains its port with receiveMessageOnPort) most runs on Deno 2.9 hang
        // at the very first task; with useAtomics: false every run completed. The exact cause
        // inside Deno's MessagePort is not pinned down; piscina's similar loop did not hang.
        useAtomics: !("Deno" in globalThis),
      });
      await touchEveryWorker(c);
    },
    run: (task, input) => pool!.run(input, { name: task }),
    close: async () => await pool?.destroy(),
  };
  return c;
}

/**
 * workerpool: `pool(script, options).exec(name, args)`. `workerType: "thread"` pins
 * node:worker_threads (its "auto" would also pick threads here, but say it). Its worker file
 * carries a Bun workaround: see workerpool_worker.mjs.
 */
export function workerpoolContender(): Contender {
  let pool: import("workerpool").Pool | undefined;
  const c: Contender = {
    name: "workerpool",
    async start() {
      const { default: workerpool } = await import("workerpool");
      pool = workerpool.pool(fileURLToPath(here("./workerpool_worker.mjs")), {
        minWorkers: POOL_SIZE,
        maxWorkers: POOL_SIZE,
        workerType: "thread",
      });
      await touchEveryWorker(c);
    },
    // workerpool returns its own Promise class: wrap it so callers get a native one.
    run: (task, input) => Promise.resolve(pool!.exec(task, [input])),
    close: async () => {
      await pool?.terminate();
    },
  };
  return c;
}

/** poolifier: `new FixedThreadPool(n, file)` over a `ThreadWorker`, `execute(input, name)`. */
export function poolifierContender(): Contender {
  let pool: import("poolifier").FixedThreadPool<number, unknown> | undefined;
  const c: Contender = {
    name: "poolifier",
    async start() {
      const { FixedThreadPool } = await import("poolifier");
      pool = new FixedThreadPool<number, unknown>(
        POOL_SIZE,
        fileURLToPath(here("./poolifier_worker.mjs")),
      );
      await touchEveryWorker(c);
    },
    run: (task, input) => pool!.execute(input, task),
    close: async () => await pool?.destroy(),
  };
  return c;
}

/** Every peer, in the order the table lists them. */
export function peerContenders(): Contender[] {
  return [piscinaContender(), tinypoolContender(), workerpoolContender(), poolifierContender()];
}
