/**
 * The `workloom` command line. Each subcommand is one function from its arguments to an exit
 * code; `main` only dispatches. `node:util` `parseArgs` is the one `node:` import allowed outside
 * the adapters: it works the same in Deno and Bun.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runDemo } from "./demo.ts";
import { formatMachine } from "../machine/format_machine.ts";
import { detectMachine } from "../machine/machine.ts";
import { runtime } from "../adapter/runtime.ts";
import { VERSION } from "./version.ts";

/** Where the command line writes; tests capture it. */
export interface CliOptions {
  /** Writes one block of normal output. @default {console.log} */
  stdout?: (text: string) => void;
  /** Writes one block of error output. @default {console.error} */
  stderr?: (text: string) => void;
}

type Io = Required<CliOptions>;
// Subcommands may be async (`demo`, and `serve` to come); `main` awaits whatever they return.
type Command = (args: string[], io: Io) => number | Promise<number>;

const USAGE = `Usage: workloom <command> [options]

Commands:
  profile [--json]   Show the machine profile: runtime, effective cores, memory,
                     shared memory and environment, each with its reason.
  demo [--quick]     Run the example tasks: the profile, the pool's size and why,
                     a batch through map() with its speed-up, run() with
                     priorities, and the pool's report. --quick: a small batch.
  serve --tasks <m>  Run the job server (see workloom serve --help).

Options:
  -h, --help         Show this help.
  -v, --version      Print the version.

serve needs the optional peers hono, @hono/zod-openapi and zod (and redis for
--queue): npm install hono @hono/zod-openapi zod, or bun add …`;

// Exit code 2 is the convention for a command line used wrongly, as opposed to 1 for a failure.
const USAGE_ERROR = 2;

function usageError(io: Io, message: string): number {
  io.stderr(`workloom: ${message}\n\n${USAGE}`);
  return USAGE_ERROR;
}

type Flags = Record<string, { type: "boolean" | "string"; short?: string }>;

/** Parses a subcommand's flags; a string result is parseArgs' message for a usage error. */
function parseFlags(args: string[], options: Flags): Record<string, unknown> | string {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    return (e as Error).message;
  }
}

/** `workloom profile [--json]`: the machine profile as a table or as JSON. */
function profile(args: string[], io: Io): number {
  const flags = parseFlags(args, {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (typeof flags === "string") return usageError(io, flags);
  if (flags.help) {
    io.stdout(USAGE);
    return 0;
  }
  const machine = detectMachine();
  io.stdout(flags.json ? JSON.stringify(machine, null, 2) : formatMachine(machine));
  return 0;
}

// The demo's task module ships beside the source, like the examples a user would copy; the
// built package has it at dist/examples/tasks.js, beside the bundle this code is in.
const DEMO_TASKS = import.meta.url.endsWith(".ts")
  ? new URL("../../examples/tasks.ts", import.meta.url)
  : new URL("./examples/tasks.js", import.meta.url);
const DEMO_BATCH = 200;
const QUICK_BATCH = 24;

/** `workloom demo [--quick]`: the example batch through the scheduler, with timings. */
async function demo(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    quick: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (typeof flags === "string") return usageError(io, flags);
  if (flags.help) {
    io.stdout(USAGE);
    return 0;
  }
  await runDemo(DEMO_TASKS, { write: io.stdout, batch: flags.quick ? QUICK_BATCH : DEMO_BATCH });
  return 0;
}

/**
 * `workloom serve`, loaded when used. Its module loads Hono and zod (optional peers of the npm
 * package) only once its arguments are read, so `profile`, `demo` and `serve --help` run without
 * them, and a missing one is named with its install command.
 */
async function serve(args: string[], io: Io): Promise<number> {
  return (await import("./serve.ts")).serve(args, io);
}

const COMMANDS: Record<string, Command> = { profile, demo, serve };

/**
 * Runs the command line with `args` (without the program name) and resolves with the exit code:
 * 0 on success, 1 on failure, 2 when the command line itself is wrong. It never exits the
 * process itself.
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const code = await main(["profile", "--json"]);
 * ```
 */
export async function main(args: string[], options: CliOptions = {}): Promise<number> {
  const io: Io = { stdout: options.stdout ?? console.log, stderr: options.stderr ?? console.error };
  const [name, ...rest] = args;
  if (name === undefined) return usageError(io, "missing command");
  if (name === "-h" || name === "--help" || name === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (name === "-v" || name === "--version" || name === "version") {
    io.stdout(VERSION);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return usageError(io, `unknown command ${JSON.stringify(name)}`);
  try {
    return await command(rest, io);
  } catch (e) {
    // Wrong settings (such as an invalid WORKLOOM_ENV) arrive here as TypeError/RangeError.
    io.stderr(`workloom ${name}: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) {
  runtime.setExitCode(await main(runtime.args()));
}
