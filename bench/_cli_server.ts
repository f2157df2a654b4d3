/**
 * Processes of the runtime running the bench, ready once they listen: `workloom serve` started
 * from the command line for the HTTP and Redis benchmarks, with its process id for the CPU it used
 * (Linux `/proc`), and any script that prints `listening at <url>`.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../mod.ts";

const root = decodeURIComponent(new URL("..", import.meta.url).pathname);

/** A server in a child process: its URL, its CPU time so far, and how to stop it. */
export interface CliServer {
  url: string;
  pid: number;
  /**
   * User and system CPU time so far of the server's process and its live descendants (the task
   * processes of `--isolation process`), in microseconds.
   */
  cpuMicros(): number;
  /** Jobs that reached a final state, from `GET /metrics`. */
  finished(): Promise<number>;
  stop(): Promise<void>;
}

/** A process of this runtime, listening: its URL and pid, and how to stop it. */
export interface ListeningProcess {
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL if it has not exited 15 s later; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * Runs `args` (a script and its arguments) on this runtime from the repository's root, and
 * resolves once it prints `listening at <url>`; rejects with its output if it exits first or
 * takes over a minute.
 */
export async function startProcess(args: string[]): Promise<ListeningProcess> {
  const argv = runtime.key === "deno" ? ["run", "-A", "--no-check", ...args] : args;
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /listening at (http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { url, pid: child.pid!, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${args[0]} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `workloom serve --tasks <tasks> --port 0 ...args` and resolves once it listens. */
export async function startCliServer(tasks: string, args: string[]): Promise<CliServer> {
  const { url, pid, stop } = await startProcess([
    "src/cli/cli.ts",
    "serve",
    "--tasks",
    tasks,
    "--port",
    "0",
    ...args,
  ]);
  const finished = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^workloom_jobs_finished_total\{[^}]*\} (\d+)/gm)) {
      n += Number(m[1]);
    }
    return n;
  };
  return { url, pid, cpuMicros: () => treeCpuMicros(pid), finished, stop };
}

/** CPU time of process `pid` and its live descendants, in microseconds (Linux `/proc`). */
function treeCpuMicros(pid: number): number {
  let micros = 0;
  try {
    // Clock ticks are 1/100 s on Linux (getconf CLK_TCK).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    micros += (Number(fields[11]) + Number(fields[12])) * 10_000;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      for (const c of children ? children.split(" ") : []) micros += treeCpuMicros(Number(c));
    }
  } catch {
    // The process ended while it was read: what it used is gone with it.
  }
  return micros;
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
