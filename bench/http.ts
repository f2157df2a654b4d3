/**
 * The job server over loopback: submit-and-wait throughput (`POST /jobs?wait=5000` with the
 * `noop` task, one job per request, answered 200 with the finished job) beside the same server's
 * `GET /healthz`, the ceiling of the HTTP stack alone, as a ratio. The target is at least 50 % of
 * the ceiling. The load comes from a real load generator, Debian's `wrk` (not mitata: the thing
 * measured is a server under concurrent connections, not a function), on 127.0.0.1 only and for
 * a bounded time.
 *
 *   ./node_modules/.bin/deno run -A bench/http.ts [--quick]   # or: ./node_modules/.bin/bun bench/http.ts
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, runtime } from "../mod.ts";
import { createServer } from "../server.ts";
import { serveHttp } from "../src/adapter/serve.ts";

const quick = process.argv.includes("--quick");
const seconds = quick ? 2 : 5;
const connections = 16;

if (spawnSync("wrk", ["--version"], { stdio: "ignore" }).error) {
  console.error("bench/http.ts needs wrk: apt-get install -y wrk (Debian), as .ci/run does");
  process.exit(1);
}

interface WrkResult {
  perSecond: number;
  requests: number;
  bad: number;
  p50: string;
  p99: string;
}

/** Runs wrk against `url` and reads its summary (the server lives in this process: no spawnSync). */
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
        p50: /50%\s+(\S+)/.exec(out)?.[1] ?? "?",
        p99: /99%\s+(\S+)/.exec(out)?.[1] ?? "?",
      });
    });
  });
}

const pool = createPool(new URL("./fixtures/bench_tasks.ts", import.meta.url));
// Finished jobs are kept one second: at thousands a second the default store would fill up.
// The runner may hand the pool more jobs than there are connections, so it is not the limit.
const server = await createServer(pool, {
  maxJobs: 1_000_000,
  jobTtlMs: 1000,
  maxQueue: 10_000,
  concurrency: 64,
});
const http = serveHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
const url = `http://127.0.0.1:${http.port}`;
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

try {
  // Warm up: start the workers and let the JITs settle.
  for (let i = 0; i < 200; i++) {
    await (await fetch(`${url}/jobs?wait=5000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"task":"noop","input":1}',
    })).text();
  }
  const ceiling = await wrk(`${url}/healthz`);
  const submit = await wrk(`${url}/jobs?wait=5000`, script);
  const ratio = submit.perSecond / ceiling.perSecond;
  const row = (name: string, r: WrkResult) =>
    `| ${name} | ${
      Math.round(r.perSecond).toLocaleString("en")
    } | ${r.p50} | ${r.p99} | ${r.bad} |`;
  console.log(
    `${runtime.key} ${runtime.version}, wrk -t1 -c${connections} -d${seconds}s, 127.0.0.1\n`,
  );
  console.log("| route | requests/s | p50 | p99 | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  console.log(row("GET /healthz (ceiling)", ceiling));
  console.log(row("POST /jobs?wait (submit and wait)", submit));
  console.log(
    `\nsubmit-and-wait / ceiling: ${(ratio * 100).toFixed(0)} % (target ≥ 50 %)${
      ratio >= 0.5 ? "" : ": below target"
    }`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await server.close({ timeoutMs: 1000 });
  await http.close();
  await pool.close({ timeoutMs: 1000 });
}
