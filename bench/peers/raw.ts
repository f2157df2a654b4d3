/**
 * The raw floor for bench/dispatch.ts: the runtime's own `postMessage` with no library, two Web
 * Workers, one message per task each way, tasks dealt round-robin. Every pool pays at least
 * this per task unless it batches; the table reads each pool's rate against it in the same run.
 */
import { type Contender, POOL_SIZE } from "./contenders.ts";

/** Two bare Web Workers behind the `Contender` shape. */
export function rawContender(): Contender {
  const workers: Worker[] = [];
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const c: Contender = {
    name: "raw postMessage",
    async start() {
      for (let i = 0; i < POOL_SIZE; i++) {
        const w = new Worker(new URL("./raw_worker.ts", import.meta.url), { type: "module" });
        w.onmessage = (e: MessageEvent<[number, unknown]>) => {
          const [id, value] = e.data;
          const resolve = pending.get(id);
          pending.delete(id);
          resolve?.(value);
        };
        workers.push(w);
      }
      await Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => c.run("noop", i)));
    },
    run(task, input) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        workers[id % POOL_SIZE].postMessage([id, task, input]);
      });
    },
    close() {
      for (const w of workers) w.terminate();
      workers.length = 0;
      return Promise.resolve();
    },
  };
  return c;
}
