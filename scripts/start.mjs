// The README's first command (`npm start`): installs the toolchain if it is missing, then runs
// `workloom serve` with the bundled example tasks on Deno (or Bun with --runtime bun), on an
// embedded in-memory job store. Other arguments go to `workloom serve` (see its --help).
// Usage: npm start [-- --runtime deno|bun] [-- --port 8787 --token T …]
import { spawn } from "node:child_process";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";
import { runtimeCommand, splitRuntimeArgs } from "./run_args.mjs";

let plan;
try {
  plan = splitRuntimeArgs(process.argv.slice(2), ["deno"]);
} catch (e) {
  console.error(`workloom start: ${e.message}`);
  process.exit(2);
}
ensureDeps();
const args = ["serve", "--tasks", "examples/tasks.ts", ...plan.rest];
const [cmd, argv] = runtimeCommand(plan.runtimes[0], bin, "src/cli/cli.ts", args);
const child = spawn(cmd, argv, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NO_COLOR: "1" },
});
// Ctrl-C reaches the server too (same process group): let it drain, and exit as it does. A
// second Ctrl-C is the server's to handle (it exits at once).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("close", (code) => process.exit(code ?? 1));
