/**
 * Cold one-shot build benchmark: a 1,500-page static site (markdown with marked, a layout with
 * eta, a SHA-256 per page with crypto.subtle; sources generated deterministically) built as a
 * fresh process each round, three ways side by side: on the main thread (`main`), by a size-less
 * pool (`auto`: `createPool(url)` with no size option) and by a fixed 2-worker pool (`fixed2`:
 * `maxWorkers: 2`). Each process builds the site twice: the first build is the cold one, the
 * second (same process, same pool) the warm one.
 *
 *   deno run -A bench/cold_build.ts [--rounds 5] [--pages 1500] [--modes …] [--quick] [--json]
 *   bun bench/cold_build.ts [--rounds 5] [--pages 1500] [--modes …] [--quick] [--json]
 *
 * `--quick` is 2 rounds of 300 pages; `--modes auto,fixed2,fixed1` adds the 1-worker diagnostic.
 *
 * It prints the median of the rounds per mode and ratios against the main thread, then where a
 * pool's cold build spends its time (from the pool's events and the workers' own clocks): until
 * its first worker is ready, the worker's thread start, module load and module evaluation, and
 * how much slower its tasks run before the JIT has warmed up. One process runs at a time; the
 * modes take turns within each round so that drift on a shared machine hits them alike.
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getRuntimeKey } from "../src/adapter/runtime.ts";
import { formatTable } from "./_table.ts";
import {
  type BuildReport,
  DEFAULT_MODES,
  type Mode,
  MODES,
  type RunReport,
} from "./fixtures/cold_build_report.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: "string" },
    pages: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    // Comma-separated, from main, auto, fixed2, fixed1; main is always run (the ratios' base).
    modes: { type: "string", default: DEFAULT_MODES.join(",") },
  },
});
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 2 : 5));
const PAGES = Number(flags.pages ?? (flags.quick ? 300 : 1500));
for (const [name, value] of [["rounds", ROUNDS], ["pages", PAGES]] as const) {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot run as '--${name}' must be a positive integer: current value is ${value}`,
    );
  }
}
const RUN_MODES = MODES.filter((m) => m === "main" || flags.modes.split(",").includes(m));
for (const m of flags.modes.split(",")) {
  if (!(MODES as readonly string[]).includes(m)) {
    throw new TypeError(
      `Cannot run as '--modes' must name only ${MODES.join(", ")}: current value is ${m}`,
    );
  }
}
// A round that takes longer than this is a hang, not a figure: the bench stops instead.
const ROUND_LIMIT_MS = 180_000;
// Tasks per worker counted as "first tasks" when comparing cold task times with warm ones.
const FIRST_TASKS = 10;

const runner = fileURLToPath(new URL("./fixtures/cold_build_run.ts", import.meta.url));
const runtime = getRuntimeKey();

/** Runs one fresh process; returns its report and the wall time the parent saw. */
function spawnRound(mode: Mode, pages: number, builds: number): RunReport & { wallMs: number } {
  const args = [runner, mode, "--pages", String(pages), "--builds", String(builds)];
  const t = performance.now();
  const r = spawnSync(process.execPath, runtime === "deno" ? ["run", "-A", ...args] : args, {
    encoding: "utf8",
    timeout: ROUND_LIMIT_MS,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const wallMs = performance.now() - t;
  const last = r.stdout?.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !last.startsWith("{")) {
    throw new Error(
      `cold_build_run.ts ${mode} failed (exit ${r.status ?? r.signal}): ${r.stderr?.slice(-2000)}`,
    );
  }
  return { ...JSON.parse(last) as RunReport, wallMs };
}

// ---- figures from one round --------------------------------------------------------------------

const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The numbers one round contributes; the table shows the median of each over the rounds. */
interface RoundFigures {
  /** From process start to the cold build's end (the runtime's boot included). */
  toDoneMs: number;
  /** The cold build alone (pool creation and task module import included). */
  coldMs: number;
  /** The second build in the same process. */
  warmMs: number;
  /** The parent's wall time around the process (boot, both builds, close, exit). */
  wallMs: number;
  /** Workers started during the cold build. */
  workers: number;
  /**
   * ms from the cold build's start: the first `workerSpawned` event, the first worker thread's
   * start (its performance.timeOrigin), the first and the last thread starting its first page.
   */
  firstSpawnMs: number;
  firstThreadMs: number;
  firstReadyMs: number;
  lastReadyMs: number;
  /**
   * Mean per thread: from its start (or, on the main thread, from the build's start, where the
   * import begins) to the task module's graph loaded (fetched, parsed, linked: for a worker this
   * includes its runtime bootstrap and the worker entry), then evaluated (marked, eta, pages).
   */
  loadMs: number;
  evaluateMs: number;
  /** CPU time of the whole process during the cold and the warm build (every thread). */
  coldCpuMs: number;
  warmCpuMs: number;
  /** Sum of page times (wall, in whichever thread ran them) in the cold and the warm build. */
  coldWorkMs: number;
  warmWorkMs: number;
  /** Mean of each thread's first tasks, and the median task of the warm build. */
  firstTasksMs: number;
  warmTaskMs: number;
}

function figures(r: RunReport & { wallMs: number }): RoundFigures {
  const [cold, warm] = r.builds;
  const byThread = firstTasksByThread(cold);
  return {
    toDoneMs: cold.endMs,
    coldMs: cold.endMs - cold.startMs,
    warmMs: warm ? warm.endMs - warm.startMs : NaN,
    wallMs: r.wallMs,
    workers: cold.spawnedAt.length,
    firstSpawnMs: cold.spawnedAt.length ? Math.min(...cold.spawnedAt) : NaN,
    firstThreadMs: r.mode === "main" ? NaN : Math.min(...cold.boots.map((b) => b.timeOrigin)),
    firstReadyMs: Math.min(...cold.boots.map((b) => b.firstCallAt)),
    lastReadyMs: Math.max(...cold.boots.map((b) => b.firstCallAt)),
    loadMs: mean(cold.boots.map((b) => b.graphLoadedAt - Math.max(0, b.timeOrigin))),
    evaluateMs: mean(cold.boots.map((b) => b.evaluatedAt - b.graphLoadedAt)),
    coldCpuMs: cold.cpuMs,
    warmCpuMs: warm ? warm.cpuMs : NaN,
    coldWorkMs: sum(cold.runMs),
    warmWorkMs: warm ? sum(warm.runMs) : NaN,
    firstTasksMs: mean(byThread),
    warmTaskMs: warm ? median(warm.runMs) : NaN,
  };
}

/** Run times of the first FIRST_TASKS tasks each thread finished in `build`. */
function firstTasksByThread(build: BuildReport): number[] {
  if (build.tasks.length === 0) return build.runMs.slice(0, FIRST_TASKS);
  const seen = new Map<number, number>();
  const out: number[] = [];
  for (const t of [...build.tasks].sort((a, b) => a.finishedAt - b.finishedAt)) {
    const n = seen.get(t.workerId) ?? 0;
    if (n < FIRST_TASKS) out.push(t.runMs);
    seen.set(t.workerId, n + 1);
  }
  return out;
}

// ---- report ------------------------------------------------------------------------------------

const ms = (n: number): string => Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-";
const ms1 = (n: number): string => Number.isFinite(n) ? n.toFixed(2) : "-";
const x = (n: number): string => Number.isFinite(n) ? `${n.toFixed(2)}x` : "-";

function main(): void {
  // One small unmeasured build per mode first: Deno transpiles and caches the TypeScript on first
  // load, and the OS caches the files; a cold build here means a cold process, not a cold disk.
  for (const mode of RUN_MODES) spawnRound(mode, 50, 1);

  const rounds = new Map<Mode, RoundFigures[]>(RUN_MODES.map((m) => [m, []]));
  const reports: RunReport[] = [];
  const sizes = new Map<Mode, string>();
  const hashes = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < RUN_MODES.length; k++) {
      const mode = RUN_MODES[(round + k) % RUN_MODES.length];
      if (!flags.json) console.error(`round ${round + 1}/${ROUNDS}: ${mode}...`);
      const r = spawnRound(mode, PAGES, 2);
      reports.push(r);
      rounds.get(mode)!.push(figures(r));
      for (const b of r.builds) hashes.add(b.siteHash);
      if (r.maxWorkers !== undefined) sizes.set(mode, `${r.maxWorkers} (${r.sizeReason})`);
    }
  }
  if (hashes.size !== 1) throw new Error(`the modes built different sites: ${[...hashes]}`);

  const med = (mode: Mode, key: keyof RoundFigures): number =>
    median(rounds.get(mode)!.map((f) => f[key]));
  const summary = RUN_MODES.map((mode) => ({
    mode,
    ...Object.fromEntries(
      (Object.keys(rounds.get(mode)![0]) as (keyof RoundFigures)[]).map((k) => [k, med(mode, k)]),
    ) as unknown as RoundFigures,
  }));
  const base = summary[0];

  if (flags.json) {
    console.log(JSON.stringify(
      {
        environment: {
          runtime,
          userAgent: navigator.userAgent,
          cores: navigator.hardwareConcurrency,
          rounds: ROUNDS,
          pages: PAGES,
        },
        summary,
        sizes: Object.fromEntries(sizes),
        reports,
      },
      null,
      2,
    ));
    return;
  }

  console.log(
    `\nworkloom cold build bench on ${navigator.userAgent} (${runtime}), ` +
      `${navigator.hardwareConcurrency} cores: ${PAGES} pages, median of ${ROUNDS} fresh ` +
      `processes per mode; auto pool size ${sizes.get("auto") ?? "?"}\n`,
  );
  console.log(formatTable(
    [
      "mode",
      "start→built ms",
      "vs main",
      "cold build ms",
      "vs main",
      "warm build ms",
      "vs main",
      "process ms",
    ],
    summary.map((s) => [
      s.mode,
      ms(s.toDoneMs),
      x(base.toDoneMs / s.toDoneMs),
      ms(s.coldMs),
      x(base.coldMs / s.coldMs),
      ms(s.warmMs),
      x(base.warmMs / s.warmMs),
      ms(s.wallMs),
    ]),
  ));
  console.log(
    "\nwhere the cold build goes (medians, ms from the build's start): first workerSpawned, " +
      "first worker thread up; per thread, loading the task module's graph (for a worker: from " +
      "its start, runtime bootstrap and worker entry included) and evaluating it; first and last " +
      "thread starting its first page; the process's CPU time (all threads) in the cold and the " +
      "warm build; page times (wall) summed over the cold and the warm build; a " +
      `thread's first ${FIRST_TASKS} pages against the warm build's median page:\n`,
  );
  console.log(formatTable(
    [
      "mode",
      "workers",
      "1st spawn",
      "1st thread",
      "load",
      "evaluate",
      "1st ready",
      "last ready",
      "CPU cold",
      "CPU warm",
      "Σ pages cold",
      "Σ warm",
      `first ${FIRST_TASKS}/thread`,
      "warm page",
    ],
    summary.map((s) => [
      s.mode,
      s.mode === "main" ? "-" : String(s.workers),
      ms(s.firstSpawnMs),
      ms(s.firstThreadMs),
      ms(s.loadMs),
      ms(s.evaluateMs),
      ms(s.firstReadyMs),
      ms(s.lastReadyMs),
      ms(s.coldCpuMs),
      ms(s.warmCpuMs),
      ms(s.coldWorkMs),
      ms(s.warmWorkMs),
      ms1(s.firstTasksMs),
      ms1(s.warmTaskMs),
    ]),
  ));
  const auto = summary.find((s) => s.mode === "auto");
  if (!auto) return;
  console.log(
    `\ntarget: a size-less pool's cold one-shot build ≥ 1.5x the main thread: ` +
      `${base.coldMs / auto.coldMs >= 1.5 ? "MET" : "NOT MET"} ` +
      `(${x(base.coldMs / auto.coldMs)} on the build, ${x(base.toDoneMs / auto.toDoneMs)} ` +
      `from process start)`,
  );
}

main();
