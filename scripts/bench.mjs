// `npm run bench`: installs the toolchain if it is missing, then runs each benchmark in bench/
// on Deno and then on Bun, one process at a time so they never share the cores. Other arguments
// (--quick, --json) go to every benchmark.
// Usage: npm run bench [-- --runtime deno|bun] [-- --quick]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";
import { runtimeCommand, splitRuntimeArgs } from "./run_args.mjs";

const BENCHES = ["bench/dispatch.ts", "bench/autotune.ts", "bench/cold_build.ts"];

let plan;
try {
  plan = splitRuntimeArgs(process.argv.slice(2), ["deno", "bun"]);
} catch (e) {
  console.error(`workloom bench: ${e.message}`);
  process.exit(2);
}
ensureDeps();
const failed = [];
for (const file of BENCHES) {
  if (!existsSync(`${root}${file}`)) {
    console.log(`== ${file}: not there yet, skipped\n`);
    continue;
  }
  for (const runtime of plan.runtimes) {
    console.log(`== ${file} on ${runtime}\n`);
    const [cmd, args] = runtimeCommand(runtime, bin, file, plan.rest);
    const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
    if (r.status !== 0) failed.push(`${file} on ${runtime} (exit code ${r.status ?? r.signal})`);
    console.log("");
  }
}
if (failed.length) console.error(`workloom bench: failed: ${failed.join(", ")}`);
process.exit(failed.length ? 1 : 0);
