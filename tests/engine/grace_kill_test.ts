// A worker ended because a cancelled task outlived its grace must not take with it the results it
// posted before: a terminated worker's unread messages are dropped, and the pool's loop, starved
// past the grace, can find the grace timer due before such a message (CI saw a task that had
// thrown its RangeError reported as WorkerCrashedError). The worker counts the results it posts in
// its shared control buffer; the pool counts those it reads, and a kill waits while they differ.
// Here the worker's run loop lives on the test's thread (a link in the manner of
// tests/fixtures/in_process_link.ts, with a control buffer), and its "done" messages are held
// back until the test lets them go: deterministic, whatever the load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../../src/pool.ts";
import { CONTROL_WORDS, type FromWorker, type ToWorker } from "../../src/transport/protocol.ts";
import type { LinkCapabilities, LinkedTask, LinkOptions } from "../../src/transport/link_types.ts";
import { type LinkEvents, type SpawnLink, WorkerLink } from "../../src/transport/worker_link.ts";
import { TaskRunner } from "../../workers/task_runner.ts";
import { tasksUrl, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/tasks.ts");

/** Results messages held back from the pool until `release()`. */
const held: (() => void)[] = [];
function release(): void {
  for (const deliver of held.splice(0)) deliver();
}

class HeldResultsLink<T extends LinkedTask = LinkedTask> extends WorkerLink<T> {
  readonly capabilities: LinkCapabilities = { handOff: false, claim: true };
  readonly transport = "in-process, shared flags";
  readonly #runner: TaskRunner;
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  #closed = false;

  constructor(id: number, options: LinkOptions, events: LinkEvents<T>) {
    super(id, options, events);
    this.#runner = new TaskRunner((m: FromWorker) => {
      const copy = structuredClone(m);
      const deliver = () => !this.#closed && this.receive(copy);
      if (m.t === "done") held.push(deliver);
      else setTimeout(deliver, 0);
    });
    this.init(this.#control.buffer as SharedArrayBuffer, null);
  }

  protected override get control(): Int32Array {
    return this.#control;
  }

  protected transmit(message: ToWorker, _transfer: Transferable[]): void {
    // The init message carries the control buffer itself: the same memory on both sides.
    const copy = message.t === "init" ? message : structuredClone(message);
    setTimeout(() => !this.#closed && this.#runner.receive(copy), 0);
  }

  protected close(): void {
    this.#closed = true;
    this.#runner.lastWord("the in-process worker was ended");
  }
}

test("a worker ended after a cancel's grace first delivers the results it posted before: a task that threw keeps its own error", async () => {
  const links: HeldResultsLink[] = [];
  const spawn: SpawnLink = <T extends LinkedTask>(id: number, o: LinkOptions, e: LinkEvents<T>) => {
    const link = new HeldResultsLink<T>(id, o, e);
    links.push(link as unknown as HeldResultsLink);
    return link;
  };
  const pool = new Pool<Tasks>(tasksUrl, {
    autotune: false,
    maxWorkers: 1,
    concurrency: 2,
    cancelGraceMs: 5,
  }, spawn);
  try {
    const failed = pool.run("fail", "its own error").then(() => "ok", (e: Error) => e.name);
    const astray = pool.run("ignoresCancel", null, { timeoutMs: 5 }).then(
      () => "ok",
      (e: Error) => e.name,
    );
    // Both run in the one worker: "fail" throws at once and its result is posted (held here);
    // the other ignores its timeout's cancel, and the grace ends its worker. The held result is
    // let go 15 ms after the timeout: before the kill's wait (20 turns of 1 ms) runs out.
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(links.length, 1);
    assert.equal(links[0].resultsOnTheirWay(), true, "fail's result is posted and not read");
    release();
    assert.equal(await within(failed, 5000, "fail's outcome"), "RangeError");
    assert.equal(await within(astray, 5000, "the astray task's outcome"), "TimeoutError");
    assert.equal(links[0].resultsOnTheirWay(), false, "every posted result was read");
  } finally {
    release();
    await pool.close({ timeoutMs: 1000 });
  }
});
