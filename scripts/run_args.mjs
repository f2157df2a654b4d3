// Splits a script's own --runtime option from the arguments it passes through to the program.
import { parseArgs } from "node:util";

const RUNTIMES = ["deno", "bun"];

/**
 * Returns { runtimes, rest }: the runtimes named by --runtime (all of `fallback` when absent) and
 * every other argument unchanged, in order, for the program being run.
 */
export function splitRuntimeArgs(args, fallback) {
  const { tokens } = parseArgs({
    args,
    options: { runtime: { type: "string" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let runtimes = fallback;
  const drop = new Set();
  for (const t of tokens) {
    if (t.kind !== "option" || t.name !== "runtime") continue;
    if (!RUNTIMES.includes(t.value)) {
      throw new Error(`--runtime must be one of ${RUNTIMES.join(", ")}: current value is ${t.value}`);
    }
    runtimes = [t.value];
    drop.add(t.index);
    // `--runtime bun` spans two arguments, `--runtime=bun` one.
    if (!t.inlineValue) drop.add(t.index + 1);
  }
  return { runtimes, rest: args.filter((_, i) => !drop.has(i)) };
}

/** The command that runs a TypeScript entry point on a runtime. */
export function runtimeCommand(runtime, bin, file, args) {
  return runtime === "deno"
    ? [bin("deno"), ["run", "-A", file, ...args]]
    : [bin("bun"), [file, ...args]];
}
