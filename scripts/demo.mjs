// The README's "start" command (`npm run demo`): installs the toolchain if it is missing, then
// runs `workloom demo` on Deno, or on Bun with --runtime bun. Other arguments (--quick) go to the
// demo. Usage: npm run demo [-- --runtime deno|bun] [-- --quick]
import { spawnSync } from "node:child_process";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";
import { runtimeCommand, splitRuntimeArgs } from "./run_args.mjs";

let plan;
try {
  plan = splitRuntimeArgs(process.argv.slice(2), ["deno"]);
} catch (e) {
  console.error(`workloom demo: ${e.message}`);
  process.exit(2);
}
ensureDeps();
const [cmd, args] = runtimeCommand(plan.runtimes[0], bin, "src/cli/cli.ts", ["demo", ...plan.rest]);
const r = spawnSync(cmd, args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NO_COLOR: "1" },
});
process.exit(r.status ?? 1);
