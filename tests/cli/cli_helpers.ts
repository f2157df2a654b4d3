// What the command-line tests share: running `main` in this process, its output kept.
import { main } from "../../src/cli/cli.ts";

/** Runs `workloom <args>` in this process; resolves with its exit code and what it printed. */
export async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, {
    stdout: (t) => (out += t + "\n"),
    stderr: (t) => (err += t + "\n"),
  });
  return { code, out, err };
}
