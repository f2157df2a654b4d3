/**
 * Jobs against the pool beneath them (issue 20): no-op jobs submitted over HTTP in
 * `POST /jobs/batch` of 1,000 to `workloom serve` started from the command line, from the first
 * submission until every result is recorded (the server's `workloom_jobs_finished_total`), beside
 * `pool.run`'s no-op throughput (256 in flight, 2 workers' worth of the same module) in the same
 * run, as medians of rounds; the target is jobs ≥ 20 % of the pool. The server's CPU per job is
 * printed beside it.
 *
 *   ./node_modules/.bin/deno run -A bench/jobs.ts [--quick] [--isolation thread|process]
 *   ./node_modules/.bin/bun bench/jobs.ts [--quick] [--isolation thread|process]
 */
import { createPool, type Pool, runtime } from "../mod.ts";
import { median, startCliServer } from "./_cli_server.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const isolation = argv.includes("--isolation") ? argv[argv.indexOf("--isolation") + 1] : "thread";
const rounds = quick ? 2 : 7;
const batches = quick ? 2 : 10; // of 1,000 jobs per round
const tasks = "bench/fixtures/bench_tasks.ts";

/** `pool.run` no-op throughput, tasks/s: 20,000 tasks, 256 in flight. */
async function poolRound(pool: Pool): Promise<number> {
  const total = quick ? 5000 : 20_000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 256 }, async () => {
    while (next++ < total) await pool.run("noop", 1);
  }));
  return total / ((performance.now() - t0) / 1000);
}

const pool = createPool(new URL(`../${tasks}`, import.meta.url), { isolation: "thread" });
const server = await startCliServer(tasks, [
  "--isolation",
  isolation,
  // The batch's jobs share the key "": let them run as many at once as the runner hands over.
  "--key-concurrency",
  "1000",
  "--max-queue",
  "20000",
  "--max-queue-per-key",
  "20000",
  "--max-queue-per-client",
  "20000",
  "--max-jobs",
  "1000000",
  "--job-ttl",
  "5s",
]);
const body = JSON.stringify(Array.from({ length: 1000 }, () => ({ task: "noop", input: 1 })));

/** Jobs/s of one round: `batches` batches of 1,000, until every result is recorded. */
async function jobsRound(): Promise<{ perSecond: number; cpuPerJob: number }> {
  const before = await server.finished();
  const cpu0 = server.cpuMicros();
  const t0 = performance.now();
  let last = "";
  for (let b = 0; b < batches; b++) {
    const res = await fetch(`${server.url}/jobs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    if (res.status !== 202) throw new Error(`POST /jobs/batch: ${res.status} ${await res.text()}`);
    last = ((await res.json()) as { id: string }[]).at(-1)!.id;
  }
  // Long-poll the last job, which runs last (equal weights run in submission order), then count
  // on /metrics: polling /metrics all along took the server's time from the jobs it measures.
  await (await fetch(`${server.url}/jobs/${last}?wait=30000`)).arrayBuffer();
  const target = before + batches * 1000;
  while (await server.finished() < target) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  const jobs = batches * 1000;
  return { perSecond: jobs / seconds, cpuPerJob: (server.cpuMicros() - cpu0) / jobs };
}

try {
  await poolRound(pool); // warm up both
  await jobsRound();
  const poolRates: number[] = [];
  const jobRates: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternated, so that the machine's state weighs on both alike.
    poolRates.push(await poolRound(pool));
    const j = await jobsRound();
    jobRates.push(j.perSecond);
    cpu.push(j.cpuPerJob);
  }
  const ratio = median(jobRates) / median(poolRates);
  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  console.log(
    `${runtime.key} ${runtime.version}, server --isolation ${isolation}, ${rounds} rounds ` +
      `(medians), ${batches} batches of 1,000 no-op jobs a round\n`,
  );
  console.log("| path | per second | server CPU µs per job |");
  console.log("| --- | ---: | ---: |");
  console.log(`| pool.run no-op, 256 in flight (in this process) | ${fmt(median(poolRates))} | |`);
  console.log(
    `| jobs in POST /jobs/batch of 1,000, until the last is final | ${fmt(median(jobRates))} | ${
      median(cpu).toFixed(1)
    } |`,
  );
  console.log(
    `\njobs / pool: ${(ratio * 100).toFixed(1)} % (target ≥ 20 %)${
      ratio >= 0.2 ? "" : ": below target"
    }`,
  );
} finally {
  await server.stop();
  await pool.close({ timeoutMs: 1000 });
}
