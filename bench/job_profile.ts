/**
 * Where a job's time goes: drives no-op jobs through the job server in this process, with
 * `concurrency` clients each submitting `POST /jobs?wait` through `server.fetch` (no sockets),
 * or submitting `POST /jobs/batch` of 1,000 and reading every result, so that a CPU profile
 * (`deno run --cpu-prof`, `bun --cpu-prof`) shows the job layer's own costs, and counts the
 * heap's objects per job (`--objects`, with `--v8-flags=--expose-gc` on Deno).
 *
 *   ./node_modules/.bin/deno run -A --cpu-prof --cpu-prof-dir=/tmp/prof bench/job_profile.ts [--batch] [--jobs N]
 *   ./node_modules/.bin/bun bench/job_profile.ts [--batch] [--jobs N]
 */
import { createPool, runtime } from "../mod.ts";
import { createServer } from "../server.ts";

const args = process.argv.slice(2);
const jobs = Number(args[args.indexOf("--jobs") + 1] || 0) || 50_000;
const batch = args.includes("--batch");
const clients = 16;

const pool = createPool(new URL("./fixtures/bench_tasks.ts", import.meta.url), {
  maxWorkers: 2,
});
const server = await createServer(pool, {
  maxJobs: 2_000_000,
  jobTtlMs: 60_000,
  maxQueue: 10_000,
  concurrency: 64,
  // Jobs without a key share the key "": at the default of 4 they would run 4 at a time.
  keyConcurrency: 64,
});
const headers = { "content-type": "application/json", host: "127.0.0.1" };
const one = JSON.stringify({ task: "noop", input: 1 });

async function submitAndWait(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await server.fetch(
      new Request("http://127.0.0.1/jobs?wait=5000", { method: "POST", headers, body: one }),
    );
    if (res.status !== 200) throw new Error(`answer ${res.status}: ${await res.text()}`);
    await res.text();
  }
}

async function batches(n: number): Promise<void> {
  const body = JSON.stringify(Array.from({ length: 1000 }, () => ({ task: "noop", input: 1 })));
  for (let done = 0; done < n; done += 1000) {
    const res = await server.fetch(
      new Request("http://127.0.0.1/jobs/batch", { method: "POST", headers, body }),
    );
    if (res.status !== 202) throw new Error(`answer ${res.status}: ${await res.text()}`);
    const ids = (await res.json()) as { id: string }[];
    for (const { id } of ids) {
      const r = await server.fetch(
        new Request(`http://127.0.0.1/jobs/${id}?wait=5000`, { headers }),
      );
      const job = await r.json() as { status: string };
      if (job.status !== "succeeded") throw new Error(`job ${id} is ${job.status}`);
    }
  }
}

const drive = (n: number) =>
  batch
    ? batches(n)
    : Promise.all(Array.from({ length: clients }, () => submitAndWait(n / clients)));

await drive(2000); // warm up
const t0 = performance.now();
await drive(jobs);
const ms = performance.now() - t0;
console.log(
  `${runtime.key} ${runtime.version}: ${jobs} jobs ${batch ? "in batches of 1,000" : "?wait"}` +
    ` in ${ms.toFixed(0)} ms, ${Math.round(jobs / ms * 1000).toLocaleString("en")} jobs/s`,
);
await server.close({ timeoutMs: 1000 });
await pool.close({ timeoutMs: 1000 });
