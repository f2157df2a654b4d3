/**
 * One node of a Redis queue: takes jobs sized by its pool's free room, runs them, records how
 * they ended in batches, renews its claims on a heartbeat and takes over the jobs of nodes that
 * died. Submissions and cancels from this node go to the shared queue.
 *
 * @module
 */
import { fingerprint } from "../jobs/idempotency.ts";
import { emaStep } from "../metrics/ema.ts";
import { attemptOptions, type Job, type JobRequest } from "../jobs/job.ts";
import type { CancelOutcome, JobRunnerApi, RunnerPool } from "../jobs/job_backend.ts";
import { DrainingError } from "../jobs/job_errors.ts";
import { runtime } from "../adapter/runtime.ts";
import type { Claimed, RedisJobs } from "./redis_jobs.ts";
import { OutcomeRecorder } from "./outcome_recorder.ts";
import { outcomeOf } from "./run_outcome.ts";
import { takeWindow } from "./take_window.ts";
import { fieldsOf } from "./job_hash.ts";
import type { RedisChunks } from "./redis_chunks.ts";

/** What a node needs to know besides its queue and pool. */
export interface RedisNodeSettings {
  /** This node's consumer name in the group. */
  nodeId: string;
  keyConcurrency: number;
  maxQueue: number;
  maxQueuePerKey: number;
  maxQueuePerClient: number;
  maxJobs: number;
  /** Payload bytes the queue keeps in Redis at most. */
  maxBytes: number;
  /** Longest result (JSON text): a longer one fails its job, longer progress is dropped. */
  maxResult: number;
  jobTtlMs: number;
  /** Jobs in flight on this node at most; by default twice the pool's task slots. */
  concurrency?: number;
  /** A run whose node stopped renewing it for this long is taken over. */
  claimIdleMs: number;
  /** Deliveries of one run before it goes to the dead-letter stream. */
  maxDeliveries: number;
  /** How often the node looks for due delayed jobs and work it missed. */
  pollMs: number;
  /**
   * How long a draining node keeps trying to record outcomes and hand runs back once its jobs
   * had their time: past it, what is not recorded is left to another node's takeover.
   */
  recordMs: number;
  log: (error: unknown) => void;
  /** Where streamed jobs (`stream: true`) write their chunks; without it they run as `run()`. */
  chunks?: RedisChunks;
}

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
  #accepting = true;
  #active = false;
  #pumping = false;
  #wanted = false;
  #timers: ReturnType<typeof setInterval>[] = [];
  /** How long a task runs in a worker lately (the pool's measure), and a take's round trip, in ms. */
  #runMs?: number;
  #roundTripMs?: number;
  #measuredAt = -Infinity;

  constructor(jobs: RedisJobs, pool: RunnerPool, settings: RedisNodeSettings) {
    this.#jobs = jobs;
    this.#pool = pool;
    this.#s = settings;
    this.nodeId = settings.nodeId;
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
    const { replay, submittedAt } = await this.#jobs.submit(
      [{
        id,
        request,
        fingerprint: idempotencyKey === undefined ? undefined : fingerprint(request),
        idempotencyKey,
      }],
      this.#bounds(),
      options.client,
    );
    if (replay !== undefined) {
      const held = await this.#jobs.lookup(replay);
      if (held.state === "found") return { job: held.job, created: false };
    }
    return { job: this.#newJob(id, request, submittedAt), created: true };
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
      this.#bounds(),
      options.client,
    );
    return requests.map((r, i) => this.#newJob(ids[i], r, submittedAt));
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

  #bounds() {
    const s = this.#s;
    return {
      maxJobs: s.maxJobs,
      maxQueue: s.maxQueue,
      ttlMs: s.jobTtlMs,
      maxBytes: s.maxBytes,
      maxQueuePerKey: s.maxQueuePerKey,
      maxQueuePerClient: s.maxQueuePerClient,
    };
  }

  #newJob(id: string, request: JobRequest, submittedAt: number): Job {
    return {
      id,
      task: request.task,
      status: (request.delayMs ?? 0) > 0 ? "delayed" : "queued",
      attempts: 0,
      submittedAt: new Date(submittedAt).toISOString(),
    };
  }

  /** Jobs held here at most: by the pool's auto-tuned size and the measured times, or the option. */
  #capacity(): number {
    if (this.#s.concurrency !== undefined) return this.#s.concurrency;
    // The task slots of the workers alive, or of those the pool (or its autotuner) aims for:
    // workers start with the first task, and an idle pool may have none.
    const stats = this.#pool.stats?.();
    const slots = Math.max(1, stats?.concurrency ?? 0, stats?.targetWorkers ?? 0);
    return takeWindow(slots, { runMs: this.#runMs, roundTripMs: this.#roundTripMs });
  }

  /**
   * Reads the pool's recent run time per task, weighted by how often each task ran, at most
   * every 200 ms (a metrics snapshot is not free).
   */
  #measureRuns(): void {
    const now = performance.now();
    if (now - this.#measuredAt < 200) return;
    this.#measuredAt = now;
    const tasks = this.#pool.metrics?.().tasks ?? [];
    let count = 0;
    let sum = 0;
    for (const t of tasks) {
      count += t.count;
      sum += t.count * t.recent.runMs;
    }
    if (count > 0) this.#runMs = sum / count;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#wanted && this.#active) {
        this.#wanted = false;
        for (;;) {
          this.#measureRuns();
          const free = this.#capacity() - this.#runs.size;
          if (free <= 0 || !this.#active) break;
          // The pool's own queue is bounded: take work only when it has room.
          await this.#pool.whenRoom();
          const t0 = performance.now();
          const claimed = await this.#jobs.take(
            this.nodeId,
            free,
            this.#s.keyConcurrency,
            (late) => this.#adopt(late),
          );
          this.#roundTripMs = emaStep(this.#roundTripMs ?? null, performance.now() - t0, 0.1);
          for (const c of claimed) this.#start(c);
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
      for (const c of claimed) this.#start(c);
      return;
    }
    this.#jobs.release(claimed).catch((e) => this.#s.log(e));
  }

  #start(c: Claimed): void {
    if (this.#runs.has(c.id)) return;
    const controller = new AbortController();
    const { request } = c;
    let run: Promise<unknown>;
    try {
      run = (this.#s.chunks?.runner(this.#pool, c, this.#s.maxResult) ?? this.#pool).run(
        request.task,
        request.input,
        attemptOptions(request, controller.signal, (value) => {
          let text: string | undefined;
          try {
            text = JSON.stringify(value);
          } catch {
            return;
          }
          // Progress too large to keep is dropped: only the latest value matters anyway.
          if (text === undefined || text.length > this.#s.maxResult) return;
          this.#jobs.progress(c.id, c.entry, text).catch((e) => this.#s.log(e));
        }),
      );
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
  }

  async #heartbeat(): Promise<void> {
    const stats = this.#pool.stats?.();
    const info = {
      runtime: runtime.key,
      workers: stats?.workers ?? null,
      inFlight: this.#runs.size,
      capacity: this.#capacity(),
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
      count: this.#capacity(),
      maxDeliveries: this.#s.maxDeliveries,
    });
    for (const c of claimed) this.#start(c);
  }
}
