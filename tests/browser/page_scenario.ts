/// <reference lib="dom" />
// What every browser test asks of the example page (examples/browser/), whoever built it: the
// page as it is, or an app bundled by esbuild or Vite. One scenario, run on one page.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** The primes in [from, to), by a sieve: the answer the page's tasks must agree with. */
function countPrimes({ from, to }: { from: number; to: number }): number {
  const composite = new Uint8Array(to);
  let count = 0;
  for (let n = 2; n < to; n++) {
    if (composite[n]) continue;
    if (n >= from) count++;
    for (let m = n * n; m < to; m += n) composite[m] = 1;
  }
  return count;
}

/** Debian's Chromium, headless; fails with the fix when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (spawnSync(CHROMIUM, ["--version"], { stdio: "ignore" }).error) {
    assert.fail(
      `${CHROMIUM} is missing: run 'apt-get install -y chromium' (Debian), as .ci/run does`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
}

// The page's globals, as app.js sets them (examples/browser/app.js).
interface PoolLike {
  run(name: string, input: unknown, options?: Record<string, unknown>): Promise<unknown>;
  map(name: string, inputs: unknown[], options?: Record<string, unknown>): Promise<unknown[]>;
  stats(): {
    handedOff: number;
    inFlight: number;
    queueDepth: number;
    completed: number;
    workers: number;
  };
  close(): Promise<void>;
}
interface PageGlobals {
  workloom: {
    pool: PoolLike;
    createPool(url: string, options?: Record<string, unknown>): PoolLike;
    tasksUrl: string;
    TaskError: new (...args: never[]) => Error;
  };
}

/** Where a task ran, as the `where` task reports it. */
interface Where {
  tag: string;
  worker: boolean;
  name: string;
  isolated: boolean;
}

/**
 * Opens `url` and records every console error and uncaught page error; `failed` rejects at the
 * first, so that a scenario stuck behind it (a module that did not load, say) fails at once
 * rather than at its timeout.
 */
export async function openPage(browser: Browser, url: string): Promise<{
  page: Page;
  errors: string[];
  failed: Promise<never>;
}> {
  const page = await browser.newPage();
  const errors: string[] = [];
  let fail: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    errors.push(`console: ${m.text()}`);
    fail(new Error(`console error in the page: ${m.text()}`));
  });
  page.on("pageerror", (e) => {
    errors.push(`page error: ${e.message}`);
    fail(new Error(`uncaught in the page: ${e.message}`));
  });
  // A worker's own console errors (a task module that failed to load, say).
  page.on("worker", (w) =>
    w.on("console", (m) => {
      if (m.type() === "error") errors.push(`worker console: ${m.text()}`);
    }));
  await page.goto(url);
  await Promise.race([page.locator("body[data-ready=true]").waitFor(), failed]);
  return { page, errors, failed };
}

/** Runs `expression`'s function in the page with its globals. */
function inPage<T, A>(page: Page, fn: (g: PageGlobals, arg: A) => Promise<T> | T, arg: A) {
  return page.evaluate(
    // deno-lint-ignore no-explicit-any
    ([source, a]) => (0, eval)(source)(globalThis as any, a),
    [fn.toString(), arg] as [string, A],
  ) as Promise<T>;
}

/** The machine report the page shows, and what it says about the page. */
export async function checkDetection(page: Page, isolated: boolean): Promise<void> {
  const report = (await page.locator("#machine").textContent()) ?? "";
  assert.match(report, /^runtime\s+browser\b/m, report);
  assert.match(report, /^cores\s+\d+\s+navigator\.hardwareConcurrency \d+/m, report);
  assert.match(report, /^\s+cgroup quota\s+-\s+cgroup cpu quota: unsupported$/m, report);
  assert.match(report, /^environment\s+browser\s+\S/m, report);
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), isolated);
  const fallback = report.match(/not cross-origin isolated.*postMessage only/g) ?? [];
  if (isolated) {
    assert.match(report, /^shared memory\s+yes\s/m, report);
    assert.equal(fallback.length, 0, report);
  } else {
    // The fall-back to messages, said once.
    assert.match(report, /^shared memory\s+no\s/m, report);
    assert.equal(fallback.length, 1, report);
  }
}

/** Tasks run in workers, not on the page's thread, and map's results come back in input order. */
export async function checkWorkersAndOrder(page: Page, isolated: boolean): Promise<void> {
  const where = await inPage(page, (g) => g.workloom.pool.run("where", "a") as Promise<Where>, 0);
  assert.equal(where.tag, "a");
  assert.equal(where.worker, true, "the task ran on a worker's thread");
  assert.match(where.name, /^workloom-\d+$/);
  assert.equal(where.isolated, isolated);
  assert.equal(await page.evaluate(() => typeof document), "object", "the page's own thread");

  // A path, as a page names what it serves, resolves against the page's address. (Vite inlines
  // the example's small task module as a data: URL, which has no path to name.)
  const byPath = await inPage(page, async (g) => {
    const url = new URL(g.workloom.tasksUrl);
    if (url.protocol === "data:") return "data:";
    const pool = g.workloom.createPool(url.pathname, { maxWorkers: 1, autotune: false });
    const w = (await pool.run("where", "by path")) as Where;
    await pool.close();
    return w.worker ? "ran" : "not in a worker";
  }, 0);
  assert.ok(["ran", "data:"].includes(byPath), byPath);

  const ranges = Array.from({ length: 24 }, (_, i) => ({ from: i * 5000, to: (i + 1) * 5000 }));
  const got = await inPage(
    page,
    (g, r) => g.workloom.pool.map("countPrimes", r, { inline: false }),
    ranges,
  );
  assert.deepEqual(got, ranges.map(countPrimes));
}

/**
 * Priorities hold: with one worker held by a gate task, queued tasks run lowest priority number
 * first, FIFO within a priority.
 */
export async function checkPriorities(page: Page): Promise<void> {
  const order = await inPage(page, async (g) => {
    const { createPool, tasksUrl } = g.workloom;
    const pool = createPool(tasksUrl, { maxWorkers: 1, autotune: false, concurrency: 1 });
    const channel = `gate-${Math.random()}`;
    const bc = new BroadcastChannel(channel);
    const waiting = new Promise((resolve) => (bc.onmessage = resolve));
    const done: string[] = [];
    const gate = pool.run("gate", channel).then(() => done.push("gate"));
    await waiting; // the gate task holds the only worker now
    const calls = [["low-1", 5], ["low-2", 5], ["high", 0], ["mid", 1], ["low-3", 5]] as const;
    const runs = calls.map(([tag, priority]) =>
      pool.run("where", tag, { priority }).then((w) => done.push((w as { tag: string }).tag))
    );
    bc.postMessage("open");
    await Promise.all([gate, ...runs]);
    bc.close();
    await pool.close();
    return done;
  }, 0);
  assert.deepEqual(order, ["gate", "high", "mid", "low-1", "low-2", "low-3"]);
}

/** `isolation: "process"` is refused up front: a page cannot start child processes. */
export async function checkNoProcesses(page: Page): Promise<void> {
  const thrown = await inPage(page, (g) => {
    try {
      g.workloom.createPool(g.workloom.tasksUrl, { isolation: "process" });
      return "created";
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  }, 0);
  assert.match(thrown, /^TypeError: .*'isolation' must be "thread" in a browser page/);
}

/**
 * A task past its timeout rejects with TimeoutError, a task that throws with TaskError, one whose
 * worker ends with WorkerCrashedError; the pool goes on with a new worker each time, and once
 * closed it has no worker left and refuses calls with PoolClosedError.
 */
export async function checkFaults(page: Page): Promise<void> {
  const outcome = await inPage(page, async (g) => {
    const pool = g.workloom.createPool(g.workloom.tasksUrl, { maxWorkers: 1, autotune: false });
    const outcome = (p: Promise<unknown>) =>
      p.then((v) => `resolved ${v}`, (e: Error) => `${e.name}: ${e.message}`);
    const timeout = await outcome(pool.run("spin", 120_000, { timeoutMs: 100 }));
    const afterTimeout = await pool.run("increment", 41);
    const thrown = await pool.run("fail", "no such prime").catch((e: Error & { task?: string }) =>
      `${e instanceof g.workloom.TaskError ? "TaskError" : "not a TaskError"} from ${e.task}: ` +
      `${e.name}: ${e.message}`
    );
    const crashed = (await outcome(pool.run("crash", null))).split(":")[0];
    const afterCrash = await pool.run("increment", 1);
    await pool.close();
    const closed = (await outcome(pool.run("increment", 1))).split(":")[0];
    return {
      timeout: timeout.split(":")[0],
      afterTimeout,
      thrown,
      crashed,
      afterCrash,
      closed,
      workers: pool.stats().workers,
    };
  }, 0);
  assert.deepEqual(outcome, {
    timeout: "TimeoutError",
    afterTimeout: 42,
    thrown: "TaskError from fail: RangeError: no such prime",
    crashed: "WorkerCrashedError",
    afterCrash: 2,
    closed: "PoolClosedError",
    workers: 0,
  });
}

/**
 * The page's cancel button stops a running batch: the map rejects, the progress bar stops short,
 * nothing is left running, and the next batch runs to the right answer.
 */
export async function checkCancel(page: Page): Promise<void> {
  await page.fill("#bound", "400000000");
  await page.fill("#tasks", "400");
  await page.click("#start");
  await page.waitForFunction(() =>
    (document.getElementById("progress") as HTMLProgressElement).value >= 1
  );
  await page.click("#cancel");
  await page.locator("#status[data-state=cancelled]").waitFor();
  const left = await page.evaluate(() =>
    (document.getElementById("progress") as HTMLProgressElement).value
  );
  assert.ok(left >= 1 && left < 400, `progress stopped at ${left} of 400`);
  await page.waitForFunction(() => {
    const s = (globalThis as unknown as PageGlobals).workloom.pool.stats();
    return s.inFlight === 0 && s.queueDepth === 0;
  });
  await page.fill("#bound", "200000");
  await page.fill("#tasks", "16");
  await page.click("#start");
  await page.locator("#status[data-state=done]").waitFor();
  assert.equal(
    await page.locator("#result").textContent(),
    String(countPrimes({ from: 0, to: 200_000 })),
  );
}

/**
 * The shared-memory fast path is used only where the page may share memory, and there it
 * engages in the case it is for: a caller that awaits one small task and sends the next. Tasks
 * handed to a waiting worker through its mailbox are counted in stats().handedOff.
 */
export async function checkSharedMemory(page: Page, isolated: boolean): Promise<void> {
  const runs = 200;
  const { handedOff, sum } = await inPage(page, async (g, runs) => {
    const pool = g.workloom.createPool(g.workloom.tasksUrl, { maxWorkers: 1, autotune: false });
    // The first call starts the worker, by message; each next one goes once the answer is in.
    let sum = 0;
    for (let i = 0; i < runs; i++) sum += await pool.run("increment", i) as number;
    const handedOff = pool.stats().handedOff;
    await pool.close();
    return { handedOff, sum };
  }, runs);
  assert.equal(sum, (runs * (runs + 1)) / 2, "every task answered, through either path");
  // A worker that has just answered waits for the next task long enough for a page to hear the
  // answer and send it: most of the calls go by shared memory (not 7 in 1,000 as with a 50 µs
  // watch). A loaded machine may miss the moment now and then, hence not all of them.
  if (isolated) assert.ok(handedOff >= runs / 2, `${handedOff} hand-offs in ${runs} tasks`);
  else assert.equal(handedOff, 0);
}

/** The whole scenario, on a fresh page at `url`. */
export async function checkExamplePage(
  browser: Browser,
  url: string,
  isolated: boolean,
): Promise<void> {
  const { page, errors, failed } = await openPage(browser, url);
  const step = (p: Promise<void>) => Promise.race([p, failed]);
  try {
    await step(checkDetection(page, isolated));
    await step(checkWorkersAndOrder(page, isolated));
    await step(checkNoProcesses(page));
    await step(checkPriorities(page));
    await step(checkFaults(page));
    await step(checkCancel(page));
    await step(checkSharedMemory(page, isolated));
    assert.deepEqual(errors, [], "no console error");
  } finally {
    await page.close();
  }
}
