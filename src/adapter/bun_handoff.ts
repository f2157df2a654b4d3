/**
 * The bin on Bun when Bun launched it. The npm bin's shebang is `node`, so `bunx workloom …` (and
 * `bun run` of a script naming `workloom`) starts it on Node, where a `.ts` task module cannot
 * load. Bun says it launched us the way npm does: `npm_config_user_agent` starts with `bun/` and
 * `npm_execpath` is the Bun executable. Then the bin runs itself again on that Bun, passing the
 * arguments, the exit code and shutdown signals through. `WORKLOOM_NODE=1` keeps it on Node.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { basename } from "node:path";
import process from "node:process";

/**
 * The Bun executable that launched this Node process, or `undefined` when it was not Bun (or
 * this already is Bun, or `WORKLOOM_NODE=1` asks to stay).
 *
 * @example
 * ```ts
 * import { launchingBun } from "./bun_handoff.ts";
 * console.log(launchingBun({ npm_config_user_agent: "npm/11 node/v20" }, false)); // undefined
 * ```
 */
export function launchingBun(
  env: Record<string, string | undefined> = process.env,
  onBun: boolean = process.versions.bun !== undefined,
): string | undefined {
  if (onBun || env.WORKLOOM_NODE === "1") return undefined;
  const execPath = env.npm_execpath;
  if (!env.npm_config_user_agent?.startsWith("bun/") || !execPath) return undefined;
  return /^bun(\.exe)?$/.test(basename(execPath)) ? execPath : undefined;
}

/**
 * Runs this process's script (the bin) with `args` on `bun` and resolves with the exit code to leave with. SIGTERM and
 * SIGHUP sent to this process go to the child; SIGINT is not forwarded, because a Ctrl-C reaches
 * the whole foreground process group, the child included, and a second one would mean "now".
 *
 * @example
 * ```ts ignore
 * import { runOnBun } from "./bun_handoff.ts";
 * process.exitCode = await runOnBun("/usr/bin/bun", ["--version"]);
 * ```
 */
export function runOnBun(bun: string, args: string[]): Promise<number> {
  // The bin itself (through node_modules/.bin's link), which Bun then runs as Bun.
  const script = realpathSync(process.argv[1]);
  const child = spawn(bun, [script, ...args], { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = [
    ["SIGTERM", forward("SIGTERM")],
    ["SIGHUP", forward("SIGHUP")],
    ["SIGINT", () => {}],
  ] as const;
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve) => {
    child.once("error", (e) => {
      console.error(`workloom: cannot start Bun at ${bun}: ${e.message}`);
      resolve(1);
    });
    child.once("exit", (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      // A child ended by a signal: end the same way, as a shell would see it.
      resolve(code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGKILL" ? 9 : 15));
    });
  });
}
