/**
 * The job server over loopback: submit-and-wait throughput (`POST /jobs?wait=5000` with the
 * `noop` task, one job per request, answered 200 with the finished job) beside the same server's
 * `GET /healthz`, the ceiling of the HTTP stack alone, as a ratio (target ≥ 50 %), with p99 beside
 * each (target: submit-and-wait's ≤ 5× the ceiling's) and the server's CPU per job. The server is
 * `workloom serve` started from the command line, with `--isolation thread` and then `--isolation
 * process` (their submit-and-wait ratio: target ≥ 50 %; `--isolation X` measures one only); the
 * load comes from a real load generator, Debian's `wrk -t1 -c16` (not mitata: the thing measured
 * is a server under concurrent connections, not a function), on 127.0.0.1 only, the two routes
 * alternated for `rounds` rounds, medians printed. With threads it also sends real work: a CPU
 * task of 5 ms (`spin`) through `POST /jobs?wait` at 16 connections, beside `pool.map` of the
 * same tasks in this process (target ≥ 90 %). The server's CPU counts its task processes too.
 *
 *   ./node_modules/.bin/deno run -A bench/http.ts [--quick] [--isolation thread|process]
 *   ./node_modules/.bin/bun bench/http.ts [--quick] [--isolation thread|process]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, runtime } from "../mod.ts";
import { median, startCliServer } from "./_cli_server.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const isolations = argv.includes("--isolation")
  ? [argv[argv.indexOf("--isolation") + 1]]
  : ["thread", "process"];
const seconds = quick ? 2 : 5;
const rounds = quick ? 1 : 5;
const connections = 16;

if (spawnSync("wrk", ["--version"], { stdio: "ignore" }).error) {
  console.error("bench/http.ts needs wrk: apt-get install -y wrk (Debian), as .ci/run does");
  process.exit(1);
}

interface WrkResult {
  perSecond: number;
  requests: number;
  bad: number;
  p50: number;
  p99: number;
}

/** wrk's latency ("812.00us", "1.20ms", "2.00s") in microseconds. */
function micros(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? "");
  if (!m) {
    console.error(`bench/http.ts: cannot read wrk's latency ${JSON.stringify(text)}`);
    return NaN;
  }
  const unit = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * unit;
}

/** Runs wrk against `url` and reads its summary (spawned, not spawnSync: this process stays responsive). */
function wrk(url: string, script?: string): Promise<WrkResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url];
  if (script) args.unshift("-s", script);
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out}`));
      const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
      resolve({
        perSecond: num(/Requests\/sec:\s+([\d.]+)/),
        requests: num(/(\d+) requests in/),
        bad: num(/Non-2xx or 3xx responses:\s+(\d+)/) + num(/Socket errors:.*timeout (\d+)/),
        p50: micros(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
        p99: micros(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
      });
    });
  });
}

const tasks = "bench/fixtures/bench_tasks.ts";
const dir = mkdtempSync(join(tmpdir(), "workloom-bench-"));
/** A wrk script that POSTs `body` as JSON. */
function postScript(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'wrk.method = "POST"',
      `wrk.body = '${body}'`,
      'wrk.headers["Content-Type"] = "application/json"',
      "",
    ].join("\n"),
  );
  return file;
}
const noopScript = postScript("noop.lua", '{"task":"noop","input":1}');
const spinScript = postScript("spin.lua", '{"task":"spin","input":5}');

/** The medians of `results`' figures. */
function medianOf(results: WrkResult[]): WrkResult {
  const of = (k: keyof WrkResult) => median(results.map((r) => r[k]));
  return {
    perSecond: of("perSecond"),
    requests: of("requests"),
    bad: results.reduce((n, r) => n + r.bad, 0),
    p50: of("p50"),
    p99: of("p99"),
  };
}

interface Measured {
  ceiling: WrkResult;
  submit: WrkResult;
  cpuPerJob: number;
  /** 5 ms CPU tasks through `?wait`, per second (threads only). */
  cpuTask?: WrkResult;
}

/** `workloom serve --isolation <isolation>`: the rounds of /healthz and ?wait, alternated. */
async function measure(isolation: string): Promise<Measured> {
  // Finished jobs are kept one second: at thousands a second the default store would fill up.
  // Jobs without a key share the key "": its concurrency is lifted so that it is not the limit.
  const server = await startCliServer(tasks, [
    "--isolation",
    isolation,
    "--max-jobs",
    "1000000",
    "--job-ttl",
    "1s",
    "--max-queue",
    "10000",
    "--key-concurrency",
    "1000",
  ]);
  const url = server.url;
  try {
    // Warm up: start the workers and let the JITs settle.
    for (let i = 0; i < 200; i++) {
      await (await fetch(`${url}/jobs?wait=5000`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"task":"noop","input":1}',
      })).text();
    }
    const ceilings: WrkResult[] = [];
    const submits: WrkResult[] = [];
    const cpuPerJob: number[] = [];
    for (let r = 0; r < rounds; r++) {
      ceilings.push(await wrk(`${url}/healthz`));
      const cpu0 = server.cpuMicros();
      const submit = await wrk(`${url}/jobs?wait=5000`, noopScript);
      cpuPerJob.push((server.cpuMicros() - cpu0) / Math.max(1, submit.requests));
      submits.push(submit);
    }
    const out: Measured = {
      ceiling: medianOf(ceilings),
      submit: medianOf(submits),
      cpuPerJob: median(cpuPerJob),
    };
    if (isolation === "thread") out.cpuTask = await wrk(`${url}/jobs?wait=30000`, spinScript);
    return out;
  } finally {
    await server.stop();
  }
}

/** `pool.map` of 5 ms `spin` tasks in this process, tasks per second. */
async function mapRate(): Promise<number> {
  const pool = createPool(new URL(`../${tasks}`, import.meta.url), { isolation: "thread" });
  try {
    await pool.map("spin", Array.from({ length: 40 }, () => 5)); // warm up, size the pool
    const n = quick ? 200 : 1000;
    const t0 = performance.now();
    await pool.map("spin", Array.from({ length: n }, () => 5));
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await pool.close();
  }
}

const row = (name: string, r: WrkResult, cpu = "") =>
  `| ${name} | ${Math.round(r.perSecond).toLocaleString("en")} | ${r.p50.toFixed(0)} | ${
    r.p99.toFixed(0)
  } | ${cpu} | ${r.bad} |`;
const verdict = (ok: boolean, what: string) => ok ? "" : `: ${what} target`;

try {
  const mapped = isolations.includes("thread") ? await mapRate() : undefined;
  const results = new Map<string, Measured>();
  for (const isolation of isolations) results.set(isolation, await measure(isolation));
  console.log(
    `${runtime.key} ${runtime.version}, wrk -t1 -c${connections} -d${seconds}s, 127.0.0.1, ` +
      `${rounds} alternated rounds (medians)\n`,
  );
  console.log(
    "| isolation | route | requests/s | p50 µs | p99 µs | server CPU µs per request | errors |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const [isolation, m] of results) {
    console.log(`| ${isolation} ${row("GET /healthz (ceiling)", m.ceiling)}`);
    console.log(
      `| ${isolation} ${
        row("POST /jobs?wait (submit and wait)", m.submit, m.cpuPerJob.toFixed(1))
      }`,
    );
    if (m.cpuTask) {
      console.log(`| ${isolation} ${row("POST /jobs?wait, 5 ms CPU task", m.cpuTask)}`);
    }
  }
  console.log();
  for (const [isolation, { ceiling, submit }] of results) {
    const ratio = submit.perSecond / ceiling.perSecond;
    const tail = submit.p99 / ceiling.p99;
    console.log(
      `${isolation}: submit-and-wait / ceiling ${(ratio * 100).toFixed(0)} % (target ≥ 50 %)` +
        `${verdict(ratio >= 0.5, "below")}; p99 ${tail.toFixed(1)}× the ceiling's (target ≤ 5×)` +
        verdict(tail <= 5, "above"),
    );
  }
  const thread = results.get("thread");
  const proc = results.get("process");
  if (thread && proc) {
    const ratio = proc.submit.perSecond / thread.submit.perSecond;
    console.log(
      `process / thread submit-and-wait: ${(ratio * 100).toFixed(0)} % (target ≥ 50 %)` +
        verdict(ratio >= 0.5, "below"),
    );
  }
  if (thread?.cpuTask && mapped !== undefined) {
    const ratio = thread.cpuTask.perSecond / mapped;
    console.log(
      `5 ms CPU task: ?wait ${Math.round(thread.cpuTask.perSecond)}/s, pool.map ` +
        `${Math.round(mapped)}/s: ${(ratio * 100).toFixed(0)} % (target ≥ 90 %)` +
        verdict(ratio >= 0.9, "below"),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
