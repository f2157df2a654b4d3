/**
 * `workloom serve` started from the command line for the HTTP benchmarks, on the runtime running
 * the bench, with its process id for the CPU it used (Linux `/proc`).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { runtime } from "../mod.ts";

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

/** Starts `workloom serve --tasks <tasks> --port 0 ...args` and resolves once it listens. */
export async function startCliServer(tasks: string, args: string[]): Promise<CliServer> {
  const cli = ["src/cli/cli.ts", "serve", "--tasks", tasks, "--port", "0", ...args];
  const child = spawn(process.execPath, runtime.key === "deno" ? ["run", "-A", ...cli] : cli, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((r) => child.on("close", r));
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      out += chunk;
      const at = /listening at (http:\/\/\S+)/.exec(out);
      if (at) resolve(at[1]);
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("close", () => reject(new Error(`workloom serve exited: ${out}`)));
  });
  const cpuMicros = () => treeCpuMicros(child.pid!);
  const finished = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^workloom_jobs_finished_total\{[^}]*\} (\d+)/gm)) {
      n += Number(m[1]);
    }
    return n;
  };
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  return { url, pid: child.pid!, cpuMicros, finished, stop };
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
