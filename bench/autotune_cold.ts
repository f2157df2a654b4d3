/**
 * A size-less pool from cold: how fast its first tasks of a kind it has not seen go, against the
 * same pool warm. Each round creates a fresh pool and runs 2,000 tasks that wait 1 ms on a timer
 * (64 callers in flight), then 2,000 more on the now-tuned pool; medians of rounds, and the
 * controller's decisions of the last round with the milliseconds since the pool was created. A job
 * server that has just started (or whose pool went idle) meets its first burst this way.
 *
 *   deno run -A bench/autotune_cold.ts [--rounds N]
 *   bun bench/autotune_cold.ts [--rounds N]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createPool, type Decision, type Pool, runtime } from "../mod.ts";
import { median } from "./_cli_server.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { rounds: { type: "string", default: "5" } },
});
const ROUNDS = Number(flags.rounds);
const TASKS = 2_000;
const tasks = new URL("./fixtures/bench_tasks.ts", import.meta.url);
type BenchTasks = typeof import("./fixtures/bench_tasks.ts");

/** Tasks/s of `TASKS` timer tasks through `pool`, 64 callers in flight. */
async function burst(pool: Pool<BenchTasks>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next++ < TASKS) await pool.run("timer", 1);
  }));
  return TASKS / ((performance.now() - t0) / 1000);
}

const cold: number[] = [];
const warm: number[] = [];
let decisions: readonly Decision[] = [];
let born = 0;
for (let r = 0; r < ROUNDS; r++) {
  born = performance.now();
  const pool = createPool<BenchTasks>(tasks);
  cold.push(await burst(pool));
  warm.push(await burst(pool));
  decisions = pool.decisions;
  await pool.close();
}
const fmt = (n: number) => Math.round(n).toLocaleString("en");
console.log(
  `${runtime.key} ${runtime.version}: ${TASKS} tasks waiting 1 ms each, 64 in flight, a fresh ` +
    `size-less pool each round, medians of ${ROUNDS}\n`,
);
console.log(`cold (its first ${TASKS})  ${fmt(median(cold))} tasks/s`);
console.log(`warm (the next ${TASKS})   ${fmt(median(warm))} tasks/s`);
console.log(`cold / warm             ${(median(cold) / median(warm)).toFixed(2)}\n`);
console.log("decisions of the last round (ms since the pool was created):");
for (const d of decisions.slice(0, 4)) console.log(`  ${Math.round(d.at - born)}  ${d.reason}`);
process.exit(0);
