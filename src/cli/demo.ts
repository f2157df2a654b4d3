/**
 * The demo behind `workloom demo` (and `npm run demo`): prints the machine profile and how the
 * pool sized itself, runs a batch of prime counts through `map()` with heavy-first weights,
 * compares its wall time with a sequential estimate, queues a few `run()` calls with priorities
 * to show the dispatch order, then closes the pool. Plain ASCII, fixed width, no colours.
 *
 * @module
 */
import {
  type BatchFigures,
  demoBatch,
  demoPriorities,
  type DemoTaskModule,
  kv,
} from "./demo_steps.ts";
import { formatMachine } from "../machine/format_machine.ts";
import { detectMachine } from "../machine/machine.ts";
import { createPool } from "../pool.ts";
import type { PoolOptions } from "../engine/pool_options.ts";
import { formatReport } from "../report/report.ts";
import { assertInteger } from "../validate.ts";

export type { DemoTaskModule };

/** Options of {@linkcode runDemo}. */
export interface DemoOptions {
  /** Receives each line of output. @default {console.log} */
  write?: (line: string) => void;
  /** Prime-counting tasks in the batch. @default {200} */
  batch?: number;
  /** Options of the demo's pool. @default {{} (sized from the machine and the cpu profile)} */
  pool?: PoolOptions;
}

/** The figures the demo printed. */
export interface DemoResult extends BatchFigures {
  /** Live workers after `close()`: 0 unless something leaked. */
  workersLeft: number;
  /** Tasks the pool completed, warm-up included. */
  completed: number;
  /** Tasks that failed. */
  failed: number;
}

/**
 * Runs the demo with the task module at `taskModule` and resolves with the figures it printed.
 * It closes its pool before resolving, so the process can exit by itself.
 *
 * @example
 * ```ts ignore
 * import { runDemo } from "./demo.ts";
 * await runDemo(new URL("../../examples/tasks.ts", import.meta.url), { batch: 24 });
 * ```
 */
export async function runDemo(
  taskModule: URL | string,
  options: DemoOptions = {},
): Promise<DemoResult> {
  const { write = console.log, batch = 200, pool: poolOptions = {} } = options;
  assertInteger("run demo", "batch", batch, { min: 1, max: 100_000 });
  const out = (lines: string | readonly string[]): void => {
    for (const block of typeof lines === "string" ? [lines] : lines) {
      for (const line of block.split("\n")) write(line);
    }
  };

  const machine = detectMachine();
  out([
    `workloom demo on ${machine.runtime.key} ${machine.runtime.version}`,
    "=".repeat(72),
    "",
    "machine",
  ]);
  out(formatMachine(machine).split("\n").map((l) => `  ${l}`));

  const pool = createPool<DemoTaskModule>(taskModule, poolOptions);
  const o = pool.options;
  const envWhy = o.environment === machine.environment.name
    ? machine.environment.reason
    : "pool option";
  out(["", "pool"]);
  out(kv([
    ["workload", o.workload],
    ["environment", o.environment, envWhy],
    ["max workers", String(o.maxWorkers), o.sizeReason],
    ["min workers", String(o.minWorkers)],
    ["queue bound", `${o.maxQueue} tasks`],
    ["autotune", o.autotune === false ? "off" : "on"],
  ]));

  try {
    const figures = await demoBatch(pool, { batch, out });
    await demoPriorities(pool, out);
    // The pool's own account of the run: throughput, per-task times, bottlenecks, decisions.
    out(["", formatReport(pool.metrics(), { title: "demo" }).trimEnd()]);
    await pool.close();
    const stats = pool.stats();
    out(["", "closed"]);
    out(kv([
      ["workers left", String(pool.workerCount)],
      ["tasks", `${stats.completed} completed, ${stats.failed} failed`],
    ]));
    return {
      ...figures,
      workersLeft: pool.workerCount,
      completed: stats.completed,
      failed: stats.failed,
    };
  } finally {
    // A no-op after close(); after a throw, it ends whatever still runs, so no worker is left.
    await pool.closeNow();
  }
}
