// A workloom node as a child process: `workloom serve --queue redis://…` on Deno or on Bun, with
// its URL read from what it prints.
import { type ChildProcess, spawn } from "node:child_process";
import { until } from "./redis_helpers.ts";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);

/** A running node process. */
export interface NodeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Kills it with SIGKILL (a crash) and waits for it to end. */
  kill(): Promise<void>;
  /** Stops it with SIGTERM (drain), SIGKILL after 10 s, and waits for it to end. */
  stop(): Promise<void>;
}

/** Starts a node on `runtime` for the Redis at `redisUrl`; `args` go to `workloom serve`. */
export async function startNodeProcess(
  runtime: "deno" | "bun",
  redisUrl: string,
  args: string[] = [],
): Promise<NodeProcess> {
  const serve = [
    "src/cli/cli.ts",
    "serve",
    "--tasks",
    "tests/fixtures/redis_tasks.ts",
    "--queue",
    redisUrl,
    "--port",
    "0",
    ...args,
  ];
  const argv = runtime === "deno" ? ["run", "-A", "--no-check", ...serve] : serve;
  const child = spawn(`${root}node_modules/.bin/${runtime}`, argv, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: "SIGKILL" | "SIGTERM") => {
    if (!alive()) return;
    child.kill(signal);
    if (signal === "SIGTERM") {
      const timer = setTimeout(() => alive() && child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    } else await exited;
  };
  try {
    const url = await until(`the ${runtime} node to listen (${out})`, () => {
      if (!alive()) throw new Error(`the ${runtime} node exited: ${out}`);
      return /listening at (http:\/\/\S+)/.exec(out)?.[1];
    }, 30_000);
    return {
      url,
      pid: child.pid!,
      child,
      output: () => out,
      kill: () => end("SIGKILL"),
      stop: () => end("SIGTERM"),
    };
  } catch (e) {
    await end("SIGKILL");
    throw e;
  }
}
