/**
 * Jobs against the pool beneath them (issue 20): no-op jobs submitted over HTTP in
 * `POST /jobs/batch` of 1,000 to `workloom serve` started from the command line, from the first
 * submission until every result is recorded (the server's `workloom_jobs_finished_total`), beside
 * `pool.run`'s no-op throughput (256 in flight, 2 workers' worth of the same module) in the same
 * run, as medians of rounds; the target is jobs ≥ 20 % of the pool. The server's CPU per job is
 * printed beside it.
 *
 * Then fairness under that flood: a tenant's 10 jobs (their own concurrency key, submitted as a
 * batch, until all 10 are final) and one urgent job (`priority: -1` in the flood's own key,
 * `POST /jobs?wait=`), each timed on the idle server and then while a client posts batches of
 * 1,000 back to back (a refused batch, 429 with the queue full, is retried 20 ms later); medians,
 * and the flood's over the idle figure (the bound: within 2x). `GET /healthz` beside them
 * is what any request waits under the flood before its handler runs, a job or not.
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
const tenantBody = JSON.stringify(
  Array.from({ length: 10 }, (_, i) => ({ task: "noop", input: i, concurrencyKey: "tenant" })),
);
const urgentBody = JSON.stringify({ task: "noop", input: 1, priority: -1 });
const samples = quick ? 5 : 15;

async function postJson(path: string, json: string): Promise<Response> {
  return await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: json,
  });
}

/** A tenant's 10 jobs, ms from the batch's submission until all of them are final. */
async function tenantMs(): Promise<number> {
  const t0 = performance.now();
  const res = await postJson("/jobs/batch", tenantBody);
  if (res.status !== 202) throw new Error(`tenant batch: ${res.status} ${await res.text()}`);
  for (const { id } of (await res.json()) as { id: string }[]) {
    const r = await fetch(`${server.url}/jobs/${id}?wait=30000`);
    const job = (await r.json()) as { status: string };
    if (job.status !== "succeeded") throw new Error(`tenant job ${id}: ${job.status}`);
  }
  return performance.now() - t0;
}

/** One urgent job (ahead of the flood in its own key), ms from submission to its result. */
async function urgentMs(): Promise<number> {
  const t0 = performance.now();
  const res = await postJson("/jobs?wait=30000", urgentBody);
  if (res.status !== 200) throw new Error(`urgent job: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - t0;
}

/** `GET /healthz`, ms: what any request waits for the server's turn, with no job in it. */
async function healthMs(): Promise<number> {
  const t0 = performance.now();
  await (await fetch(`${server.url}/healthz`)).arrayBuffer();
  return performance.now() - t0;
}

interface Latencies {
  tenant: number;
  urgent: number;
  health: number;
}

/** Medians of `samples` tenant, urgent and /healthz latencies, alternated. */
async function latencies(): Promise<Latencies> {
  const tenant: number[] = [];
  const urgent: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < samples; i++) {
    tenant.push(await tenantMs());
    urgent.push(await urgentMs());
    health.push(await healthMs());
  }
  return { tenant: median(tenant), urgent: median(urgent), health: median(health) };
}

/** The same latencies while a client floods the server with batches of 1,000. */
async function underFlood(): Promise<Latencies & { flooded: number }> {
  let flooding = true;
  let flooded = 0;
  const flood = (async () => {
    while (flooding) {
      const res = await postJson("/jobs/batch", body);
      await res.arrayBuffer();
      if (res.status === 202) flooded += 1000;
      else if (res.status === 429) await new Promise((r) => setTimeout(r, 20));
      else throw new Error(`flood batch: ${res.status}`);
    }
  })();
  try {
    // The flood first fills the queue: what the tenant meets is a backlog, not an empty runner.
    await new Promise((r) => setTimeout(r, 300));
    return { ...await latencies(), flooded };
  } finally {
    flooding = false;
    await flood;
  }
}

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

  const idle = await latencies();
  const flooded = await underFlood();
  const ms = (n: number) => n.toFixed(2);
  const times = (a: number, b: number) => `${(b / a).toFixed(1)}x`;
  console.log(`\nfairness under the flood, medians of ${samples} (ms until final):\n`);
  console.log("| who | idle server | under the flood | flood / idle |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| a tenant's 10 jobs (own key, one batch) | ${ms(idle.tenant)} | ${ms(flooded.tenant)} | ${
      times(idle.tenant, flooded.tenant)
    } |`,
  );
  console.log(
    `| an urgent job (priority -1, ?wait) | ${ms(idle.urgent)} | ${ms(flooded.urgent)} | ${
      times(idle.urgent, flooded.urgent)
    } |`,
  );
  console.log(
    `| GET /healthz (no job: the server's turn) | ${ms(idle.health)} | ${ms(flooded.health)} | ${
      times(idle.health, flooded.health)
    } |`,
  );
  console.log(`(${fmt(flooded.flooded)} flood jobs accepted meanwhile)`);
} finally {
  await server.stop();
  await pool.close({ timeoutMs: 1000 });
}
