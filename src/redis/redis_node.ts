/**
 * One node of a Redis queue: takes jobs sized by its pool's free room, runs them, records how
 * they ended in batches, renews its claims on a heartbeat and takes over the jobs of nodes that
 * died. Submissions and cancels from this node go to the shared queue.
 *
 * @module
 */
import type { Job, JobRequest } from "../jobs/job.ts";
import type { RunOptions } from "../engine/run_options.ts";
import type { CancelOutcome, JobRunnerApi, RunnerCall, RunnerPool } from "../jobs/job_backend.ts";
import { DrainingError } from "../jobs/job_errors.ts";
import { type AttemptCancel, attemptCancel, honoursCancelHook } from "../jobs/attempt_call.ts";
import { runtime } from "../adapter/runtime.ts";
import type { Claimed, RedisJobs } from "./redis_jobs.ts";
import { OutcomeRecorder } from "./outcome_recorder.ts";
import { NodeSubmitter } from "./node_submitter.ts";
import { claimOptions } from "./claim_options.ts";
import { outcomeOf } from "./run_outcome.ts";
import { NodeWindow } from "./node_window.ts";
import type { RedisNodeSettings } from "./redis_node_settings.ts";
export type { RedisNodeSettings } from "./redis_node_settings.ts";

/** A run's placeholder while its batch is being handed to the pool. */
const NEVER: Promise<void> = new Promise(() => {});

interface Run {
  id: string;
  entry: string;
  cancel: AttemptCancel;
  done: Promise<void>;
  /** The task settled: its outcome is recorded or on the way. */
  ended: boolean;
}

/**
 * A node of the shared queue.
 *
 * @example
 * ```ts ignore
 * import { RedisNode } from "./redis_node.ts";
 * const node = new RedisNode(jobs, pool, settings);
 * node.start();
 * await node.drain({ timeoutMs: 1000 });
 * await node.close();
 * ```
 */
export class RedisNode implements JobRunnerApi {
  readonly nodeId: string;
  #jobs: RedisJobs;
  #pool: RunnerPool;
  readonly #hooked: boolean;
  #s: RedisNodeSettings;
  #runs = new Map<string, Run>();
  #recorder: OutcomeRecorder;
  #submitter: NodeSubmitter;
  #accepting = true;
  #active = false;
  #pumping = false;
  /** The last take found no job ready on any key: see roomFreed(). */
  #drained = false;
  /** A take failed without a reply: it may have run (see #pump). */
  #unsure = false;
  #reclaiming = false;
  #reclaimFrom = "0-0"; // where the next takeover looks on from (see #reclaim)
  #wanted = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #sizer: NodeWindow;
  /** The window the take loop sized last. */
  #window = 1;

  constructor(jobs: RedisJobs, pool: RunnerPool, settings: RedisNodeSettings) {
    this.#jobs = jobs;
    this.#pool = pool;
    this.#hooked = honoursCancelHook(pool); // a cancel hook per run, no signal (attempt_call.ts)
    this.#s = settings;
    this.nodeId = settings.nodeId;
    this.#sizer = new NodeWindow(pool, settings.concurrency);
    this.#submitter = new NodeSubmitter(jobs, settings);
    this.#recorder = new OutcomeRecorder({
      finish: (batch) => this.#jobs.finish(batch),
      // A run stays in #runs (so its claim keeps being renewed) until its outcome is recorded.
      recorded: (batch) => {
        for (const o of batch) {
          if (this.#runs.get(o.id)?.entry === o.entry) this.#runs.delete(o.id);
        }
        this.roomFreed();
      },
      log: (e) => this.#s.log(e),
    });
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  /** Jobs running on this node; nothing waits on a node (the queue is shared). */
  counts(): { queued: number; delayed: number; running: number } {
    return { queued: 0, delayed: 0, running: this.#runs.size };
  }

  /** Why the queue is out of reach now (Redis's last failure), or undefined while it answers. */
  unavailable(): string | undefined {
    return this.#jobs.link.down?.reason;
  }

  /** Jobs waiting for a rate limit, per concurrency key, on every node together. */
  rateLimited(): Promise<Record<string, number>> {
    return this.#jobs.rateLimited();
  }

  /** Every node of the queue, with its last heartbeat. */
  nodes(): Promise<Record<string, unknown>[]> {
    return this.#jobs.nodes();
  }

  /** Starts taking work: the pull loop, the heartbeat and the takeover of dead nodes' jobs. */
  start(): void {
    this.#active = true;
    const every = (ms: number, f: () => Promise<void>) => {
      this.#timers.push(setInterval(() => void f().catch((e) => this.#s.log(e)), ms));
    };
    every(this.#s.pollMs, () => Promise.resolve(this.wake()));
    every(Math.max(10, Math.floor(this.#s.claimIdleMs / 3)), () => this.#heartbeat());
    every(Math.max(10, Math.floor(this.#s.claimIdleMs / 2)), () => this.#reclaim());
    void this.#heartbeat().catch((e) => this.#s.log(e));
    this.wake();
  }

  /** Looks for work now (a job was queued here or elsewhere, or the poll came round). */
  wake(): void {
    this.#drained = false;
    this.#wanted = true;
    if (this.#active && !this.#pumping) void this.#pump();
  }

  /**
   * Job `id` was queued (the events stream said so). This node looked when it submitted the job
   * itself, and a job it runs now, not ended, was taken already: nothing new for either.
   */
  queued(id: string): void {
    if (this.#submitter.own(id)) return;
    const run = this.#runs.get(id);
    if (run === undefined || run.ended) this.wake();
  }

  /**
   * A slot is free (a run here ended or was recorded, or one anywhere freed its key's): looks
   * for work unless the last take found none ready on any key (then a take would find nothing).
   */
  roomFreed(): void {
    if (!this.#drained) this.wake();
  }

  /** Aborts job `id` if it runs here (it was cancelled, or another node took it over). */
  abortLocal(id: string, reason: string): void {
    this.#runs.get(id)?.cancel.cancel(new DOMException(reason, "AbortError"));
  }

  async submit(
    request: JobRequest,
    options: { idempotencyKey?: string; client?: string } = {},
  ): Promise<{ job: Job; created: boolean }> {
    if (!this.#accepting) throw new DrainingError();
    const out = await this.#submitter.submit(request, options);
    // Ready here too: this node looks at once rather than when the event comes back.
    if (out.created) this.wake();
    return out;
  }

  async submitBatch(
    requests: readonly JobRequest[],
    options: { client?: string } = {},
  ): Promise<Job[]> {
    if (!this.#accepting) throw new DrainingError();
    const jobs = await this.#submitter.submitBatch(requests, options.client);
    this.wake();
    return jobs;
  }

  async cancel(id: string, reason = "The job was cancelled by a client"): Promise<CancelOutcome> {
    const outcome = await this.#jobs.cancel(id, { name: "AbortError", message: reason });
    if (outcome === "cancelled") this.abortLocal(id, reason);
    return outcome;
  }

  /**
   * Stops taking jobs and lets running ones finish until `timeoutMs`; those still running then go
   * back to the shared queue for another node (queued jobs stay: they are not this node's).
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#accepting = false;
    this.#active = false;
    if (this.#runs.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((r) => (timer = setTimeout(r, options.timeoutMs ?? 0)));
      await Promise.race([Promise.all([...this.#runs.values()].map((r) => r.done)), deadline]);
      clearTimeout(timer);
    }
    // With Redis down, recording cannot wait for it: past this, the runs stay claimed here in
    // Redis, and another node takes them over once the claims go idle.
    this.#recorder.recordUntil = performance.now() + this.#s.recordMs;
    const left = [...this.#runs.values()].filter((r) => !r.ended);
    if (left.length > 0) {
      await this.#recorder.retrying(() => this.#jobs.release(left)).catch((e) => this.#s.log(e));
      for (const r of left) {
        this.#runs.delete(r.id);
        r.cancel.cancel(new DOMException("The node shut down", "AbortError"));
      }
    }
    await this.#recorder.flush();
  }

  /** Stops the timers (after `drain()`). */
  close(): void {
    this.#active = false;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#wanted && this.#active) {
        this.#wanted = false;
        for (;;) {
          this.#sizer.measureRuns();
          const capacity = this.#window = this.#sizer.capacity();
          if (this.#unsure) {
            // A take failed with no reply: it may have run in Redis, its jobs claimed by this
            // node and run by none. Runs here are skipped (#startAll); a reply still to come on
            // this connection arrives before this one.
            await this.#pool.whenRoom();
            this.#startAll(await this.#jobs.held(this.nodeId, 4 * capacity));
            this.#unsure = false;
          }
          // A run whose outcome is on its way to Redis holds no worker: the window counts jobs
          // taken and not ended, so the next take goes out while a finish is in flight (both
          // pipelined on the link). Those being recorded stay bounded by a second window.
          const held = this.#runs.size;
          const free = Math.min(capacity - (held - this.#recorder.pending), 2 * capacity - held);
          if (free <= 0 || !this.#active) break;
          // A busy node takes once a quarter of its window is free (a take costs mostly per
          // call; held jobs keep its workers busy meanwhile); an idle one takes at once.
          if (held > 0 && free < Math.ceil(capacity / 4)) break;
          // The pool's own queue is bounded: take work only when it has room.
          await this.#pool.whenRoom();
          const t0 = performance.now();
          const claimed = await this.#jobs.take(
            this.nodeId,
            free,
            this.#s.keyConcurrency,
            (late) => this.#adopt(late),
          );
          this.#sizer.tookFor(performance.now() - t0);
          // A wake during the take (a job queued meanwhile) set #wanted: the loop takes again.
          this.#drained = claimed.drained;
          this.#startAll(claimed);
          if (claimed.length < free) break;
        }
      }
    } catch (e) {
      // Redis unreachable: the next tick or event tries again, first looking for the runs a
      // lost take may have left it.
      this.#unsure = true;
      this.#s.log(e);
    } finally {
      this.#pumping = false;
    }
  }

  /** Jobs a take gave after the node stopped waiting (Redis stalled): run, or handed back. */
  #adopt(claimed: Claimed[]): void {
    if (claimed.length === 0) return;
    if (this.#active) {
      this.#startAll(claimed);
      return;
    }
    this.#jobs.release(claimed).catch((e) => this.#s.log(e));
  }

  /**
   * Hands claimed jobs to the pool: those not streamed in one `runMany()` call where the pool has
   * it (one dispatch turn, one message per worker, rather than one `run()` each), streamed ones
   * through their chunk runner.
   */
  #startAll(claimed: readonly Claimed[]): void {
    const runMany = this.#pool.runMany?.bind(this.#pool);
    const calls: RunnerCall[] = [];
    const batch: { c: Claimed; cancel: AttemptCancel }[] = [];
    for (const c of claimed) {
      if (this.#runs.has(c.id)) continue;
      const cancel = attemptCancel(this.#hooked);
      const chunked = this.#s.chunks?.runner(this.#pool, c, this.#s.maxResult);
      if (chunked !== undefined || runMany === undefined) {
        this.#track(c, cancel, () => {
          const { task, input } = c.request;
          return (chunked ?? this.#pool).run(task, input, this.#options(c, cancel));
        });
        continue;
      }
      let options: RunOptions;
      try {
        options = this.#options(c, cancel);
      } catch (e) {
        this.#track(c, cancel, () => Promise.reject(e));
        continue;
      }
      calls.push({ name: c.request.task, input: c.request.input, options });
      batch.push({ c, cancel });
      // Held now, so that a job claimed twice in one batch starts once.
      this.#runs.set(c.id, { id: c.id, entry: c.entry, cancel, done: NEVER, ended: false });
    }
    if (calls.length === 0) return;
    let runs: Promise<unknown>[];
    try {
      runs = runMany!(calls);
    } catch (e) {
      runs = calls.map(() => Promise.reject(e));
    }
    batch.forEach(({ c, cancel }, i) => this.#track(c, cancel, () => runs[i]));
  }

  #options(c: Claimed, cancel: AttemptCancel): RunOptions {
    return claimOptions(c, cancel, this.#s.maxResult, (text) => {
      this.#jobs.progress(c.id, c.entry, text).catch((e) => this.#s.log(e));
    });
  }

  /** Follows run `c` (started by `start`) until its outcome is on its way. */
  #track(c: Claimed, cancel: AttemptCancel, start: () => Promise<unknown>): void {
    let run: Promise<unknown>;
    try {
      run = start();
    } catch (e) {
      run = Promise.reject(e);
    }
    const done = run.then(
      (result) => this.#ended(c, cancel, "ok", result),
      (e) => this.#ended(c, cancel, "fail", e),
    );
    this.#runs.set(c.id, { id: c.id, entry: c.entry, cancel, done, ended: false });
  }

  #ended(c: Claimed, cancel: AttemptCancel, how: "ok" | "fail", value: unknown): void {
    const run = this.#runs.get(c.id);
    if (run?.cancel === cancel) run.ended = true;
    if (cancel.reason !== undefined) {
      // Cancelled (the cancel recorded it), taken over by another node, or handed back.
      if (this.#runs.get(c.id)?.cancel === cancel) this.#runs.delete(c.id);
      this.roomFreed();
      return;
    }
    this.#recorder.add(
      outcomeOf(c, how, value, { maxResult: this.#s.maxResult, mayRetry: this.#accepting }),
    );
    // Its slot in the window is free now (see #pump): look once a take would go out.
    const free = this.#window - (this.#runs.size - this.#recorder.pending);
    if (free >= Math.ceil(this.#window / 4)) this.roomFreed();
  }

  async #heartbeat(): Promise<void> {
    const workers = this.#pool.stats?.().workers ?? null;
    const capacity = this.#sizer.capacity();
    const info = { runtime: runtime.key, workers, inFlight: this.#runs.size, capacity };
    const lost = await this.#jobs.heartbeat(this.nodeId, info, [...this.#runs.values()]);
    for (const id of lost) {
      // Unless its outcome is on the way, another node owns it now, or it was cancelled.
      if (!this.#runs.get(id)?.ended) {
        this.abortLocal(id, "The job is no longer this node's");
      }
    }
  }

  /**
   * Takes over dead nodes' runs a window at a time, all now, not a window a tick; each call goes
   * on where the last stopped, so live nodes' entries ahead of a dead node's never hide them.
   */
  async #reclaim(): Promise<void> {
    if (this.#reclaiming) return;
    this.#reclaiming = true;
    try {
      for (let calls = 0, more = true; more && this.#active && calls < 64; calls++) {
        const count = this.#sizer.capacity();
        // The pool's own queue is bounded, as for a take.
        await this.#pool.whenRoom();
        const { claimed, next } = await this.#jobs.reclaimFrom(this.nodeId, {
          minIdleMs: this.#s.claimIdleMs,
          count,
          maxDeliveries: this.#s.maxDeliveries,
          from: this.#reclaimFrom,
        });
        this.#reclaimFrom = next;
        this.#startAll(claimed);
        more = claimed.length === count || next !== "0-0"; // more idle, or not looked at yet
      }
    } finally {
      this.#reclaiming = false;
    }
  }
}
