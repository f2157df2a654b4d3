/**
 * The job server over loopback: submit-and-wait throughput (`POST /jobs?wait=5000` with the
 * `noop` task, one job per request, answered 200 with the finished job) beside the same server's
 * `GET /healthz`, the ceiling of the HTTP stack alone, as a ratio (target ≥ 50 %), with p99 beside
 * each (target: submit-and-wait's ≤ 5× the ceiling's) and the server's CPU per job. The server is
 * `workloom serve` started from the command line (`--isolation thread` unless `--isolation
 * process`); the load comes from a real load generator, Debian's `wrk -t1 -c16` (not mitata: the
 * thing measured is a server under concurrent connections, not a function), on 127.0.0.1 only,
 * the two routes alternated for `rounds` rounds, medians printed.
 *
 *   ./node_modules/.bin/deno run -A bench/http.ts [--quick] [--isolation thread|process]
 *   ./node_modules/.bin/bun bench/http.ts [--quick] [--isolation thread|process]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../mod.ts";
import { median, startCliServer } from "./_cli_server.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const isolation = argv.includes("--isolation") ? argv[argv.indexOf("--isolation") + 1] : "thread";
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

// Finished jobs are kept one second: at thousands a second the default store would fill up.
// Jobs without a key share the key "": the key's concurrency is lifted so that it is not the limit.
const server = await startCliServer("bench/fixtures/bench_tasks.ts", [
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
const dir = mkdtempSync(join(tmpdir(), "workloom-bench-"));
const script = join(dir, "submit.lua");
writeFileSync(
  script,
  [
    'wrk.method = "POST"',
    `wrk.body = '{"task":"noop","input":1}'`,
    'wrk.headers["Content-Type"] = "application/json"',
    "",
  ].join("\n"),
);

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
    const submit = await wrk(`${url}/jobs?wait=5000`, script);
    cpuPerJob.push((server.cpuMicros() - cpu0) / Math.max(1, submit.requests));
    submits.push(submit);
  }
  const ceiling = medianOf(ceilings);
  const submit = medianOf(submits);
  const ratio = submit.perSecond / ceiling.perSecond;
  const tail = submit.p99 / ceiling.p99;
  const row = (name: string, r: WrkResult, cpu = "") =>
    `| ${name} | ${Math.round(r.perSecond).toLocaleString("en")} | ${r.p50.toFixed(0)} | ${
      r.p99.toFixed(0)
    } | ${cpu} | ${r.bad} |`;
  console.log(
    `${runtime.key} ${runtime.version}, server --isolation ${isolation}, wrk -t1 -c${connections} ` +
      `-d${seconds}s, 127.0.0.1, ${rounds} alternated rounds (medians)\n`,
  );
  console.log("| route | requests/s | p50 µs | p99 µs | server CPU µs per request | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  console.log(row("GET /healthz (ceiling)", ceiling));
  console.log(row("POST /jobs?wait (submit and wait)", submit, median(cpuPerJob).toFixed(1)));
  console.log(
    `\nsubmit-and-wait / ceiling: ${(ratio * 100).toFixed(0)} % (target ≥ 50 %)${
      ratio >= 0.5 ? "" : ": below target"
    }; p99 ${tail.toFixed(1)}× the ceiling's (target ≤ 5×)${tail <= 5 ? "" : ": above target"}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}
