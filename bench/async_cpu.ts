/**
 * Async CPU benchmark (issue 8, item 4): a batch of long async tasks, each a chain of awaited
 * `crypto.subtle.digest` calls (CPU work that runs off the JS thread, so the task's own thread
 * mostly waits), through a default autotuned pool against the same batch with `Promise.all` on
 * the calling thread. It prints the median over a few rounds of pool time / Promise.all time
 * (below 1: the pool is faster), for a fresh pool per round ("cold": it must learn the task) and
 * one pool reused over the rounds ("warm"). Plain timing, no mitata: each round is seconds long.
 *
 *   deno run -A bench/async_cpu.ts [--rounds 5] [--tasks 12] [--digests 150] [--json]
 *   bun bench/async_cpu.ts [--rounds 5] [--tasks 12] [--digests 150] [--json]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createPool, type Pool } from "../mod.ts";
import * as tasks from "../tests/fixtures/async_cpu_tasks.ts";

type Tasks = typeof tasks;
const url = new URL("../tests/fixtures/async_cpu_tasks.ts", import.meta.url);

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: "string", default: "5" },
    tasks: { type: "string", default: "12" },
    digests: { type: "string", default: "150" },
    json: { type: "boolean", default: false },
  },
});
const rounds = Number(flags.rounds);
const batch = Number(flags.tasks);
// 1 MB per digest: ~1.3 ms each on our 2-core VM, so 150 make a ~200 ms task.
const work = { rounds: Number(flags.digests), bytes: 1 << 20 };

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const onPool = (pool: Pool<Tasks>) => () =>
  Promise.all(Array.from({ length: batch }, () => pool.run("hashChain", work)));
const onCaller = () => Promise.all(Array.from({ length: batch }, () => tasks.hashChain(work)));

await onCaller(); // warms the calling thread's JIT and crypto
const warm = createPool<Tasks>(url);
const rows: { round: number; promiseAllMs: number; coldMs: number; warmMs: number }[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const promiseAllMs = await time(onCaller);
    const cold = createPool<Tasks>(url);
    const coldMs = await time(onPool(cold));
    await cold.close();
    const warmMs = await time(onPool(warm));
    rows.push({ round, promiseAllMs, coldMs, warmMs });
  }
} finally {
  await warm.close();
}

const result = {
  runtime: "Deno" in globalThis ? "deno" : "bun",
  tasks: batch,
  digestsPerTask: work.rounds,
  promiseAllMs: median(rows.map((r) => r.promiseAllMs)),
  coldRatio: median(rows.map((r) => r.coldMs / r.promiseAllMs)),
  warmRatio: median(rows.map((r) => r.warmMs / r.promiseAllMs)),
  warmConcurrency: warm.stats().concurrency,
  decisions: warm.decisions.map((d) => d.reason),
};
if (flags.json) console.log(JSON.stringify({ ...result, rows }, null, 2));
else {
  for (const r of rows) {
    console.log(
      `round ${r.round}: Promise.all ${r.promiseAllMs.toFixed(0)} ms, cold pool ${
        r.coldMs.toFixed(0)
      } ms, warm pool ${r.warmMs.toFixed(0)} ms`,
    );
  }
  console.log(
    `${result.runtime}: ${batch} tasks × ${work.rounds} digests; pool / Promise.all, median of ${rounds}: ` +
      `cold ${result.coldRatio.toFixed(2)}, warm ${result.warmRatio.toFixed(2)} ` +
      `(warm pool's concurrency ${result.warmConcurrency})`,
  );
  for (const d of result.decisions) console.log(`  ${d}`);
}
