/**
 * Streaming benchmark (issue 27): the same small chunks through one `pool.stream()` call (one
 * generator, credit window 16 and 256) against as many `pool.run()` calls (handed over at once
 * with `runMany`, and awaited one by one), on a one-worker pool. Read the result as chunks per
 * second: mitata's time per iteration covers `CHUNKS` chunks.
 *
 *   deno run -A bench/stream.ts [--quick]
 *   bun bench/stream.ts [--quick]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { bench, group, run, summary } from "mitata";
import { createPool } from "../mod.ts";

type Tasks = typeof import("./fixtures/stream_bench_tasks.ts");
const url = new URL("./fixtures/stream_bench_tasks.ts", import.meta.url);

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { quick: { type: "boolean", default: false } },
});
const CHUNKS = flags.quick ? 200 : 2000;
const inputs = Array.from({ length: CHUNKS }, (_, i) => i);
const pool = createPool<Tasks>(url, { maxWorkers: 1, minWorkers: 1, autotune: false });

async function drain(window: number): Promise<void> {
  let n = 0;
  for await (const _ of pool.stream("chunks", CHUNKS, { window })) n++;
  if (n !== CHUNKS) throw new Error(`the stream gave ${n} chunks, not ${CHUNKS}`);
}

await drain(16); // the worker is up and the paths are warm
await Promise.all(pool.runMany(inputs.map((i) => ({ name: "chunk", input: i }))));

summary(() => {
  group(`${CHUNKS} chunks to the caller, one worker`, () => {
    bench("pool.stream(), window 16", () => drain(16));
    bench("pool.stream(), window 256", () => drain(256));
    bench(
      "pool.run() per chunk, all at once (runMany)",
      () => Promise.all(pool.runMany(inputs.map((i) => ({ name: "chunk", input: i })))),
    );
    bench("pool.run() per chunk, one at a time", async () => {
      for (const i of inputs) await pool.run("chunk", i);
    });
  });
});
await run();
await pool.close();
