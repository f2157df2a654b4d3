/**
 * What a held job costs (issue 28): a job server in this process (`server.fetch`, no sockets)
 * takes no-op jobs (input and result one number) in `POST /jobs/batch` of 1,000 until 100,000,
 * then 500,000, are held finished; the heap's growth per held job is read after forced
 * collections, with RSS beside it. Then the clock the store reads jumps past the TTL twice and
 * the store is swept: every job expires, its tombstone is forgotten, and the heap is read again
 * against where it started (target: within 10 %). Run with the GC exposed.
 *
 *   ./node_modules/.bin/deno run -A --v8-flags=--expose-gc bench/held_jobs.ts [--quick]
 *   ./node_modules/.bin/bun bench/held_jobs.ts [--quick]
 */
import { createPool, runtime } from "../mod.ts";
import { createServer } from "../server.ts";

const quick = process.argv.includes("--quick");
const counts = quick ? [10_000, 20_000] : [100_000, 500_000];
const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
const collect = g.Bun ? () => g.Bun!.gc(true) : g.gc;
if (!collect) {
  console.error("run with the GC exposed: deno run -A --v8-flags=--expose-gc bench/held_jobs.ts");
  process.exit(1);
}
// The reading with the least heap of five, each after a full collection and a turn of the event
// loop: now and then one collection leaves megabytes that the next one frees (seen on Bun).
const memory = async () => {
  let least: NodeJS.MemoryUsage | undefined;
  for (let i = 0; i < 5; i++) {
    collect();
    await new Promise((r) => setTimeout(r, 0));
    const m = process.memoryUsage();
    if (!least || m.heapUsed < least.heapUsed) least = m;
  }
  return least!;
};

const ttlMs = 3_600_000;
let skew = 0; // the store's clock: real time plus what the bench skipped
const pool = createPool(new URL("./fixtures/bench_tasks.ts", import.meta.url), {
  isolation: "thread",
});
const server = await createServer(pool, {
  maxJobs: 1_000_000,
  jobTtlMs: ttlMs,
  maxQueue: 10_000,
  // One tenant holds them all: its share of --max-jobs is the whole (the default is a quarter).
  maxQueuePerKey: 10_000,
  maxQueuePerClient: 10_000,
  keyConcurrency: 1000,
  now: () => Date.now() + skew,
});
const headers = { "content-type": "application/json", host: "127.0.0.1" };
const body = JSON.stringify(Array.from({ length: 1000 }, () => ({ task: "noop", input: 1 })));

/** Adds `n` finished jobs to what the server holds. */
async function hold(n: number): Promise<void> {
  for (let done = 0; done < n; done += 1000) {
    const res = await server.fetch(
      new Request("http://127.0.0.1/jobs/batch", { method: "POST", headers, body }),
    );
    if (res.status !== 202) throw new Error(`${res.status}: ${await res.text()}`);
    const ids = (await res.json()) as { id: string }[];
    // Jobs run in submission order within a batch of equal weights: the last ends last.
    const last = await server.fetch(
      new Request(`http://127.0.0.1/jobs/${ids.at(-1)!.id}?wait=30000`, { headers }),
    );
    if ((await last.json()).status !== "succeeded") throw new Error("a job did not succeed");
  }
  while (server.runner.counts().running > 0) await new Promise((r) => setTimeout(r, 10));
}

const mb = (n: number) => (n / 2 ** 20).toFixed(1);
try {
  await hold(2000); // warm up: workers, code, the maps' first growth
  skew += 2 * ttlMs + 2;
  await server.store.sweep();
  skew += ttlMs + 1;
  await server.store.sweep();
  const start = await memory();
  console.log(`${runtime.key} ${runtime.version}: tiny no-op jobs held in the in-memory store\n`);
  console.log("| jobs held | heap MB | heap bytes per job | RSS MB | RSS bytes per job |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  let held = 0;
  for (const count of counts) {
    await hold(count - held);
    held = count;
    const m = await memory();
    console.log(
      `| ${count.toLocaleString("en")} | ${mb(m.heapUsed)} | ${
        ((m.heapUsed - start.heapUsed) / count).toFixed(0)
      } | ${mb(m.rss)} | ${((m.rss - start.rss) / count).toFixed(0)} |`,
    );
  }
  skew += ttlMs + 1;
  const swept = await server.store.sweep();
  skew += ttlMs + 1;
  const forgot = await server.store.sweep();
  const end = await memory();
  console.log(
    `\n${swept.expired.toLocaleString("en")} expired, ${forgot.forgotten.toLocaleString("en")} ` +
      `tombstones forgotten: heap ${mb(start.heapUsed)} → ${mb(end.heapUsed)} MB (${
        ((end.heapUsed / start.heapUsed - 1) * 100).toFixed(1)
      } %, target within 10 %), RSS ${mb(start.rss)} → ${mb(end.rss)} MB (what the runtime keeps)`,
  );
} finally {
  await server.close({ timeoutMs: 1000 });
  await pool.close({ timeoutMs: 1000 });
}
