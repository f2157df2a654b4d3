/**
 * The soak (issue 28): a job server (`--isolation thread`, finished jobs kept `--ttl` seconds)
 * under mixed traffic for `--minutes` (10 by default): submit-and-wait, batches of 50, event
 * streams read to the end, delayed jobs cancelled, and failing jobs retried. Every 10 s it
 * samples the server's RSS, heap (after a collection), open files and live timers, and prints
 * them as a table with the jobs held and done so far; then it stops the traffic, waits two TTLs
 * for every job to expire and its tombstone to go, and prints the last sample beside the first
 * (memory back within 10 % of the heap under load's start, and no growth after the plateau).
 *
 *   ./node_modules/.bin/deno run -A bench/soak.ts [--minutes 10] [--ttl 20] [--quick]
 *   ./node_modules/.bin/bun bench/soak.ts [--minutes 10] [--ttl 20] [--quick]
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { runtime } from "../mod.ts";

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const quick = argv.includes("--quick");
const minutes = quick ? 0.25 : option("minutes", 10);
const ttlS = quick ? 3 : option("ttl", 20);
const sampleMs = quick ? 2000 : 10_000;
const clients = 8;

const isDeno = runtime.key === "deno";
const script = "bench/fixtures/soak_server.ts";
const serverArgs = ["--ttl-ms", String(ttlS * 1000), "--sample-ms", String(sampleMs)];
const child = spawn(
  process.execPath,
  isDeno ? ["run", "-A", "--v8-flags=--expose-gc", script, ...serverArgs] : [script, ...serverArgs],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const exited = new Promise((r) => child.on("close", r));

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  timers: number;
  files: number;
  done: number;
  errors: number;
}
const samples: Sample[] = [];
const t0 = performance.now();
let done = 0;
let errors = 0;
let url = "";
let listening: () => void = () => {};
const started = new Promise<void>((r) => (listening = r));
let buffered = "";
child.stdout!.on("data", (chunk: Buffer) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    const at = /listening at (http:\/\/\S+)/.exec(line);
    if (at) {
      url = at[1];
      listening();
    }
    if (line.startsWith("SAMPLE ")) {
      const s = JSON.parse(line.slice(7));
      const files = readdirSync(`/proc/${child.pid}/fd`).length;
      samples.push({ t: (performance.now() - t0) / 1000, ...s, files, done, errors });
      const last = samples.at(-1)!;
      console.log(row(last));
    }
  }
});

const mb = (n: number) => (n / 2 ** 20).toFixed(1);
const row = (s: Sample) =>
  `| ${s.t.toFixed(0)} | ${mb(s.rss)} | ${mb(s.heapUsed)} | ${s.files} | ${s.timers} | ${
    s.done.toLocaleString("en")
  } | ${s.errors} |`;

const headers = { "content-type": "application/json" };
const post = (path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });

/** One client's loop: a mix of every kind of traffic, until `end`. */
async function client(n: number, end: number): Promise<void> {
  for (let i = 0; performance.now() < end; i++) {
    try {
      switch ((i + n) % 10) {
        case 0: { // a batch of 50, then the last one waited for
          const ids = (await (await post("/jobs/batch", batch)).json()) as { id: string }[];
          await (await fetch(`${url}/jobs/${ids.at(-1)!.id}?wait=5000`)).text();
          done += ids.length;
          break;
        }
        case 1: { // an event stream read to its end
          const job = await (await post("/jobs", { task: "spin", input: 2 })).json();
          await (await fetch(`${url}/jobs/${job.id}/events`)).text();
          done++;
          break;
        }
        case 2: { // a delayed job, cancelled
          const job = await (await post("/jobs", { task: "noop", input: 1, delayMs: 60_000 }))
            .json();
          await (await fetch(`${url}/jobs/${job.id}`, { method: "DELETE" })).text();
          done++;
          break;
        }
        case 3: { // a failing job retried once, waited for
          const res = await post("/jobs?wait=5000", {
            task: "fail",
            input: "soak",
            attempts: 2,
            backoffMs: 5,
          });
          const job = await res.json();
          if (job.status !== "failed") errors++;
          done++;
          break;
        }
        default: { // submit and wait
          const res = await post("/jobs?wait=5000", { task: "noop", input: 1 });
          if (res.status !== 200) errors++;
          await res.text();
          done++;
        }
      }
    } catch {
      errors++;
    }
  }
}
const batch = Array.from({ length: 50 }, () => ({ task: "noop", input: 1 }));

try {
  await started;
  console.log(
    `${runtime.key} ${runtime.version}: ${minutes} min of mixed traffic from ${clients} clients, ` +
      `--job-ttl ${ttlS}s, sampled every ${sampleMs / 1000} s, then ${2 * ttlS + 2} s idle\n`,
  );
  console.log("| s | RSS MB | heap MB | open files | timers | jobs done | errors |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const end = performance.now() + minutes * 60_000;
  await Promise.all(Array.from({ length: clients }, (_, n) => client(n, end)));
  // Idle: every job expires after one TTL and its tombstone after another (the sweep runs on
  // the server's own timer), then one more sample.
  const loadEnd = samples.length;
  await new Promise((r) => setTimeout(r, (2 * ttlS + 2) * 1000 + sampleMs));
  const first = samples[0];
  const plateau = samples.slice(0, loadEnd).at(-1);
  const last = samples.at(-1)!;
  if (first && plateau) {
    console.log(
      `\nheap: ${mb(first.heapUsed)} MB at the first sample, ${mb(plateau.heapUsed)} MB at the ` +
        `end of the load, ${mb(last.heapUsed)} MB after every job expired ` +
        `(${((last.heapUsed / first.heapUsed - 1) * 100).toFixed(0)} % from the first); ` +
        `RSS ${mb(first.rss)} → ${mb(plateau.rss)} → ${mb(last.rss)} MB`,
    );
  }
} finally {
  child.kill("SIGTERM");
  await exited;
}
