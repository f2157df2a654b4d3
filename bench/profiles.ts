/**
 * The two worker profiles side by side in one run (the README's decision matrix): start-up of a
 * one-worker pool (create, first result, close), the round trip of one tiny task, the throughput
 * of no-op tasks through 2 workers, and the memory each worker costs.
 *
 *   deno run -A bench/profiles.ts
 *   bun bench/profiles.ts
 *
 * Memory per worker: a child process reports its own resident memory (diagnostics); a Web Worker
 * cannot, so its cost is this process's resident memory growth over 4 started workers, divided
 * by 4 (noisy: the garbage collector moves it too).
 */
import { bench, group, run, summary } from "mitata";
import { createPool, type Pool, type PoolOptions, runtime } from "../mod.ts";

type Tasks = typeof import("./fixtures/bench_tasks.ts");
const url = new URL("./fixtures/bench_tasks.ts", import.meta.url);
const profiles: Record<string, PoolOptions> = {
  thread: {},
  process: { isolation: "process" },
};
const NOOPS = 2000;
const inputs = Array.from({ length: NOOPS }, (_, i) => i);

function pool(profile: string, workers: number): Pool<Tasks> {
  return createPool<Tasks>(url, {
    ...profiles[profile],
    maxWorkers: workers,
    minWorkers: workers,
    autotune: false,
  });
}

const warm: Record<string, Pool<Tasks>> = {};
const wide: Record<string, Pool<Tasks>> = {};
for (const p of Object.keys(profiles)) {
  warm[p] = pool(p, 1);
  wide[p] = pool(p, 2);
  await warm[p].run("noop", 0);
  await Promise.all([wide[p].map("noop", [0, 1, 2, 3], { inline: false })]);
}

summary(() => {
  group("start-up: create a 1-worker pool, first result, close", () => {
    for (const p of Object.keys(profiles)) {
      bench(p, async () => {
        const fresh = pool(p, 1);
        await fresh.run("noop", 0);
        await fresh.close();
      });
    }
  });
});
summary(() => {
  group("round trip: one tiny task, awaited", () => {
    for (const p of Object.keys(profiles)) bench(p, () => warm[p].run("noop", 1));
  });
});
summary(() => {
  group(`no-op throughput: map() of ${NOOPS} tasks over 2 workers`, () => {
    for (const p of Object.keys(profiles)) {
      bench(p, () => wide[p].map("noop", inputs, { inline: false }));
    }
  });
});
await run();

for (const p of Object.keys(profiles)) await Promise.all([warm[p].close(), wide[p].close()]);

// Memory per worker.
const MB = 2 ** 20;
const base = runtime.memoryUsage() ?? 0;
const threads = pool("thread", 4);
await threads.map("noop", [0, 1, 2, 3, 4, 5, 6, 7], { inline: false });
const threadMb = ((runtime.memoryUsage() ?? 0) - base) / 4 / MB;
await threads.close();
const children = pool("process", 4);
await children.map("noop", [0, 1, 2, 3, 4, 5, 6, 7], { inline: false });
const rss = children.diagnostics().workers.map((w) => w.memoryBytes ?? 0);
await children.close();
const processMb = rss.reduce((a, b) => a + b, 0) / rss.length / MB;
console.log(`\nmemory per worker on ${runtime.key} ${runtime.version}:`);
console.log(`  thread  ~${threadMb.toFixed(1)} MB (this process's growth over 4 workers / 4)`);
console.log(`  process  ${processMb.toFixed(1)} MB resident per child (as each child reports)`);
