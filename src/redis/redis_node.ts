/**
 * One node of a Redis queue: takes jobs sized by its pool's free room, runs them, records how
 * they ended in batches, renews its claims on a heartbeat and takes over the jobs of nodes that
 * died. Submissions and cancels from this node go to the shared queue.
 *
 * @module
 */
import { fingerprint } from "../jobs/idempotency.ts";
import { attemptOptions, type Job, type JobRequest } from "../jobs/job.ts";
import type { RunOptions } from "../engine/run_options.ts";
import type { CancelOutcome, JobRunnerApi, RunnerCall, RunnerPool } from "../jobs/job_backend.ts";
import { DrainingError } from "../jobs/job_errors.ts";
import { runtime } from "../adapter/runtime.ts";
import type { Claimed, RedisJobs } from "./redis_jobs.ts";
import { OutcomeRecorder } from "./outcome_recorder.ts";
import { SubmitBatcher } from "./submit_batcher.ts";
import { outcomeOf } from "./run_outcome.ts";
import { NodeWindow } from "./node_window.ts";
import { fieldsOf } from "./job_hash.ts";
import { newJobView, type RedisNodeSettings, submitBounds } from "./redis_node_settings.ts";

export type { RedisNodeSettings } from "./redis_node_settings.ts";

/** A run's placeholder while its batch is being handed to the pool. */
const NEVER: Promise<void> = new Promise(() => {});

interface Run {
  id: string;
  entry: string;
  controller: AbortController;
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
  #s: RedisNodeSettings;
  #runs = new Map<string, Run>();
  #recorder: OutcomeRecorder;
  #submits: SubmitBatcher;
  #accepting = true;
  #active = false;
  #pumping = false;
  #wanted = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  #sizer: NodeWindow;
  /** The window the take loop sized last. */
  #window = 1;

  constructor(jobs: RedisJobs, pool: RunnerPool, settings: RedisNodeSettings) {
    this.#jobs = jobs;
    this.#pool = pool;
    this.#s = settings;
    this.nodeId = settings.nodeId;
    this.#sizer = new NodeWindow(pool, settings.concurrency);
    // Single submissions that come while one is on its way to Redis go together in one call.
    this.#submits = new SubmitBatcher((jobs, client) =>
      this.#jobs.submitEach(jobs, submitBounds(this.#s), client)
    );
    this.#recorder = new OutcomeRecorder({
      finish: (batch) => this.#jobs.finish(batch),
      // A run stays in #runs (so its claim keeps being renewed) until its outcome is recorded.
      recorded: (batch) => {
        for (const o of batch) {
          if (this.#runs.get(o.id)?.entry === o.entry) this.#runs.delete(o.id);
        }
        this.wake();
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
  async rateLimited(): Promise<Record<string, number>> {
    const reply = await this.#jobs.link.send(["HGETALL", this.#jobs.keys.rateWaiting]);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(fieldsOf(reply))) out[k] = Number(v);
    return out;
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

  /** Looks for work now (an event said some may be ready). */
  wake(): void {
    this.#wanted = true;
    if (this.#active && !this.#pumping) void this.#pump();
  }

  /** Aborts job `id` if it runs here (it was cancelled, or another node took it over). */
  abortLocal(id: string, reason: string): void {
    this.#runs.get(id)?.controller.abort(new DOMException(reason, "AbortError"));
  }

  async submit(
    request: JobRequest,
    options: { idempotencyKey?: string; client?: string } = {},
  ): Promise<{ job: Job; created: boolean }> {
    if (!this.#accepting) throw new DrainingError();
    const id = crypto.randomUUID();
    const { idempotencyKey } = options;
    const { replay, submittedAt } = await this.#submits.submit({
      id,
      request,
      fingerprint: idempotencyKey === undefined ? undefined : fingerprint(request),
      idempotencyKey,
    }, options.client ?? "");
    // Ready here too: this node looks at once rather than when the event comes back.
    if (replay === undefined) this.wake();
    if (replay !== undefined) {
      const held = await this.#jobs.lookup(replay);
      if (held.state === "found") return { job: held.job, created: false };
    }
    return { job: newJobView(id, request, submittedAt), created: true };
  }

  async submitBatch(
    requests: readonly JobRequest[],
    options: { client?: string } = {},
  ): Promise<Job[]> {
    if (!this.#accepting) throw new DrainingError();
    const ids = requests.map(() => crypto.randomUUID());
    // Heaviest first: submission order is the order within a priority.
    const order = requests.map((_, i) => i).sort((a, b) =>
      (requests[b].weight ?? 1) - (requests[a].weight ?? 1) || a - b
    );
    const { submittedAt } = await this.#jobs.submit(
      order.map((i) => ({ id: ids[i], request: requests[i] })),
      submitBounds(this.#s),
      options.client,
    );
    this.wake();
    return requests.map((r, i) => newJobView(ids[i], r, submittedAt));
  }

  async cancel(id: string, reason = "The job was cancelled by a client"): Promise<CancelOutcome> {
    const outcome = await this.#jobs.cancel(id, { name: "AbortError", message: reason });
    if (outcome === "cancelled") this.abortLocal(id, reason);
    return outcome;
  }

  /**
   * Stops taking jobs and lets running ones finish until `timeoutMs`; those still running then
   * go back to the shared queue for another node (queued jobs stay queued: they are not this
   * node's).
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
    // With Redis down, recording cannot wait for it: past this, the runs stay claimed by this
    // node in Redis, and another node takes them over once the claims go idle.
    this.#recorder.recordUntil = performance.now() + this.#s.recordMs;
    const left = [...this.#runs.values()].filter((r) => !r.ended);
    if (left.length > 0) {
      await this.#recorder.retrying(() => this.#jobs.release(left)).catch((e) => this.#s.log(e));
      for (const r of left) {
        this.#runs.delete(r.id);
        r.controller.abort(new DOMException("The node shut down", "AbortError"));
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
          // A run whose outcome is on its way to Redis holds no worker: the window counts the
          // jobs taken and not ended, so the next take goes out while a finish is in flight
          // (both pipelined on the link). Those being recorded stay bounded by a second window.
          const held = this.#runs.size;
          const free = Math.min(capacity - (held - this.#recorder.pending), 2 * capacity - held);
          if (free <= 0 || !this.#active) break;
          // A busy node takes in batches, once a quarter of its window is free: a take's cost
          // is mostly per call, and the jobs still held keep its workers busy meanwhile. An
          // idle one takes at once (one job in flight waits for nothing).
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
          this.#startAll(claimed);
          if (claimed.length < free) break;
        }
      }
    } catch (e) {
      // Redis unreachable: the next tick or event tries again.
      this.#s.log(e);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Runs jobs a take or reclaim handed this node after the node stopped waiting for the reply
   * (Redis stalled, then resumed): they are claimed by this node alone, so run them, or hand
   * them back when draining.
   */
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
    const batch: { c: Claimed; controller: AbortController }[] = [];
    for (const c of claimed) {
      if (this.#runs.has(c.id)) continue;
      const controller = new AbortController();
      const chunked = this.#s.chunks?.runner(this.#pool, c, this.#s.maxResult);
      if (chunked !== undefined || runMany === undefined) {
        this.#track(c, controller, () => {
          const { task, input } = c.request;
          return (chunked ?? this.#pool).run(task, input, this.#options(c, controller));
        });
        continue;
      }
      let options: RunOptions;
      try {
        options = this.#options(c, controller);
      } catch (e) {
        this.#track(c, controller, () => Promise.reject(e));
        continue;
      }
      calls.push({ name: c.request.task, input: c.request.input, options });
      batch.push({ c, controller });
      // Held now, so that a job claimed twice in one batch starts once.
      this.#runs.set(c.id, { id: c.id, entry: c.entry, controller, done: NEVER, ended: false });
    }
    if (calls.length === 0) return;
    let runs: Promise<unknown>[];
    try {
      runs = runMany!(calls);
    } catch (e) {
      runs = calls.map(() => Promise.reject(e));
    }
    batch.forEach(({ c, controller }, i) => this.#track(c, controller, () => runs[i]));
  }

  #options(c: Claimed, controller: AbortController): RunOptions {
    return attemptOptions(c.request, controller.signal, (value) => {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        return;
      }
      // Progress too large to keep is dropped: only the latest value matters anyway.
      if (text === undefined || text.length > this.#s.maxResult) return;
      this.#jobs.progress(c.id, c.entry, text).catch((e) => this.#s.log(e));
    });
  }

  /** Follows run `c` (started by `start`) until its outcome is on its way. */
  #track(c: Claimed, controller: AbortController, start: () => Promise<unknown>): void {
    let run: Promise<unknown>;
    try {
      run = start();
    } catch (e) {
      run = Promise.reject(e);
    }
    const done = run.then(
      (result) => this.#ended(c, controller, "ok", result),
      (e) => this.#ended(c, controller, "fail", e),
    );
    this.#runs.set(c.id, { id: c.id, entry: c.entry, controller, done, ended: false });
  }

  #ended(c: Claimed, controller: AbortController, how: "ok" | "fail", value: unknown): void {
    const run = this.#runs.get(c.id);
    if (run?.controller === controller) run.ended = true;
    if (controller.signal.aborted) {
      // Cancelled (the cancel recorded it), taken over by another node, or handed back.
      if (this.#runs.get(c.id)?.controller === controller) this.#runs.delete(c.id);
      this.wake();
      return;
    }
    const outcome = outcomeOf(c, how, value, {
      maxResult: this.#s.maxResult,
      mayRetry: this.#accepting,
    });
    this.#recorder.add(outcome);
    // Its slot in the window is free now (see #pump): look for work once a take would go out,
    // not at every run that ends.
    const free = this.#window - (this.#runs.size - this.#recorder.pending);
    if (free >= Math.ceil(this.#window / 4)) this.wake();
  }

  async #heartbeat(): Promise<void> {
    const stats = this.#pool.stats?.();
    const info = {
      runtime: runtime.key,
      workers: stats?.workers ?? null,
      inFlight: this.#runs.size,
      capacity: this.#sizer.capacity(),
    };
    const lost = await this.#jobs.heartbeat(this.nodeId, info, [...this.#runs.values()]);
    for (const id of lost) {
      // Unless its outcome is on the way, another node owns it now, or it was cancelled.
      if (!this.#runs.get(id)?.ended) {
        this.abortLocal(id, "The job is no longer this node's");
      }
    }
  }

  async #reclaim(): Promise<void> {
    if (!this.#active) return;
    const claimed = await this.#jobs.reclaim(this.nodeId, {
      minIdleMs: this.#s.claimIdleMs,
      count: this.#sizer.capacity(),
      maxDeliveries: this.#s.maxDeliveries,
    });
    this.#startAll(claimed);
  }
}
