/**
 * The job runner: takes jobs in, holds delayed ones until their time, feeds ready ones to the
 * pool in fair turns between concurrency keys when the pool has room, retries tasks that throw
 * with exponential backoff, cancels, and drains on shutdown so that every job ends final.
 *
 * @module
 */
import { TimeoutError } from "../errors.ts";
import { FlushScheduler } from "../engine/dispatcher.ts";
import { attemptCall, honoursCancelHook } from "./attempt_call.ts";
import { retryDelay, storeFailure, storeResult } from "./attempt_outcome.ts";
import { fingerprint } from "./idempotency.ts";
import { isFinal, type Job, jobErrorOf, type JobRequest } from "./job.ts";
import type { CancelOutcome, JobRunnerApi, RunnerCall, RunnerPool } from "./job_backend.ts";
import { DrainingError, JobsFullError } from "./job_errors.ts";
import { type JobStore, jsonLength } from "./job_store.ts";
import { handOff, HandOffWindow } from "./job_window.ts";
import { RateGate } from "./rate_gate.ts";
import type { JobRunnerOptions, RunnerTotals } from "./runner_options.ts";
import { type ReadyEntry, ReadyQueue } from "./ready_queue.ts";
import { RunningAttempts } from "./running_attempts.ts";
import { streamAttempt } from "./stream_attempt.ts";
import { WaitingQuotas } from "./waiting_quotas.ts";

export type { CancelOutcome, JobRunnerOptions, RunnerPool, RunnerTotals };

/**
 * Runs the jobs of a {@linkcode JobStore} on a pool.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "../../mod.ts";
 * import { JobRunner } from "./job_runner.ts";
 * import { JobStore } from "./job_store.ts";
 * const pool = createPool(new URL("./tasks.ts", import.meta.url));
 * const runner = new JobRunner(pool, new JobStore(), { keyConcurrency: 2 });
 * const { job } = runner.submit({ task: "echo", input: 1 });
 * await runner.drain({ timeoutMs: 1000 });
 * ```
 */
export class JobRunner implements JobRunnerApi {
  readonly store: JobStore;
  readonly keyConcurrency: number;
  readonly maxQueue: number;
  readonly #window: HandOffWindow;
  readonly maxQueuePerKey: number;
  readonly maxQueuePerClient: number;
  readonly maxResult: number;
  #pool: RunnerPool;
  /** The pool takes a cancel hook per call: no AbortController per attempt (attempt_call.ts). */
  readonly #hooked: boolean;
  // Queued and delayed jobs by concurrency key and by client: the per-tenant quotas.
  readonly #quotas: WaitingQuotas;
  #ready = new ReadyQueue();
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #running = new RunningAttempts();
  #accepting = true;
  readonly #pumpTurn = new FlushScheduler(() => this.#pump());
  #awaitingRoom = false;
  #totals: RunnerTotals = { submitted: 0, retried: 0, succeeded: 0, failed: 0, cancelled: 0 };
  #gate: RateGate;

  constructor(pool: RunnerPool, store: JobStore, options: JobRunnerOptions = {}) {
    this.#pool = pool;
    this.#hooked = honoursCancelHook(pool);
    this.store = store;
    this.keyConcurrency = options.keyConcurrency ?? 4;
    this.maxQueue = options.maxQueue ?? 1000;
    this.#window = new HandOffWindow(pool, options.concurrency);
    this.maxQueuePerKey = options.maxQueuePerKey ?? this.maxQueue;
    this.maxQueuePerClient = options.maxQueuePerClient ?? this.maxQueue;
    this.#quotas = new WaitingQuotas(this.maxQueuePerKey, this.maxQueuePerClient);
    this.maxResult = options.maxResult ?? Infinity;
    this.#gate = new RateGate(options.rateLimits ?? {}, () => store.now(), () => this.#pumpSoon());
  }

  /** Jobs waiting for a rate limit now, per concurrency key (the ready jobs of a limited key). */
  rateLimited(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of this.#gate.limited().keys()) out[key] = this.#ready.sizeOf(key);
    return out;
  }

  /** Jobs the runner hands the pool at most now: its `concurrency`, or the measured window. */
  get concurrency(): number {
    return this.#window.size;
  }

  /** False once draining began: submissions throw `DrainingError`. */
  get accepting(): boolean {
    return this.#accepting;
  }

  /** Jobs by state inside the runner now. */
  counts(): { queued: number; delayed: number; running: number } {
    return { queued: this.#ready.size, delayed: this.#timers.size, running: this.#running.size };
  }

  /** Counts since the runner started (a copy). */
  totals(): RunnerTotals {
    return { ...this.#totals };
  }

  /**
   * Submits one job; with an idempotency key a live job already holds for the same request,
   * returns that job with `created: false`. Throws `DrainingError`, `JobsFullError` or
   * `IdempotencyConflictError`.
   */
  submit(request: JobRequest, options: { idempotencyKey?: string; client?: string } = {}): {
    job: Job;
    created: boolean;
  } {
    const { idempotencyKey, client } = options;
    // A replay needs no room: admit only what would create a job.
    const fp = idempotencyKey === undefined ? undefined : fingerprint(request);
    const { record, created } = this.store.insert(request, {
      fingerprint: fp,
      idempotencyKey,
      client,
      admit: () => this.#admit([request], client),
    });
    if (created) {
      this.#totals.submitted++;
      this.#schedule(record.job.id, request.delayMs ?? 0);
    }
    return { job: this.store.view(record), created };
  }

  /**
   * Submits jobs together: all or none. They are scheduled heaviest first (by `weight`), so the
   * long ones start early and the batch ends sooner; the jobs come back in request order.
   */
  submitBatch(requests: readonly JobRequest[], options: { client?: string } = {}): Job[] {
    const { client } = options;
    this.#admit(requests, client);
    // Each input is made JSON once: for the room the batch needs, then kept as it is.
    const texts = requests.map((r) => r.input === undefined ? undefined : JSON.stringify(r.input));
    this.store.ensureRoom(requests.map((r, i) => ({
      key: r.concurrencyKey ?? "",
      client,
      bytes: texts[i]?.length ?? 0,
    })));
    const jobs = requests.map((request, i) =>
      this.store.insert(request, { client, checkedInput: { text: texts[i] } }).record
    );
    const order = jobs.map((_, i) => i).sort((a, b) =>
      (requests[b].weight ?? 1) - (requests[a].weight ?? 1) || a - b
    );
    // Later `seq` runs later within a priority, so re-number the batch in heavy-first order.
    const seqs = jobs.map((r) => r.seq).sort((a, b) => a - b);
    order.forEach((i, rank) => (jobs[i].seq = seqs[rank]));
    this.#totals.submitted += jobs.length;
    for (const i of order) this.#schedule(jobs[i].job.id, requests[i].delayMs ?? 0);
    return jobs.map((r) => this.store.view(r));
  }

  /** Cancels job `id`: removed if waiting, aborted if running. Final jobs are left alone. */
  cancel(id: string, reason = "The job was cancelled by a client"): CancelOutcome {
    const r = this.store.record(id);
    if (!r) return "missing";
    if (isFinal(r.job.status)) return "final";
    const timer = this.#timers.get(id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(id);
    }
    const ready = this.#ready.remove(id, r.request.concurrencyKey ?? "");
    if (timer !== undefined || ready) this.#quotas.count(r, -1);
    // The pool settles an aborted task soon after; its slot frees then (see #start).
    this.#running.get(id)?.cancel.cancel(new DOMException(reason, "AbortError"));
    this.store.update(id, {
      status: "cancelled",
      error: { name: "AbortError", message: reason },
      ...(r.job.waitingFor && { waitingFor: undefined, notBefore: undefined }),
    });
    this.#totals.cancelled++;
    return "cancelled";
  }

  /**
   * Stops taking jobs, cancels the queued and delayed ones, lets running ones finish until
   * `timeoutMs`, then cancels those still running. Every job is final when it resolves.
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#accepting = false;
    this.#gate.close();
    const reason = "The server shut down before the job ran";
    for (const id of [...this.#timers.keys()]) this.cancel(id, reason);
    for (const entry of this.#ready.clear()) this.cancel(entry.id, reason);
    if (this.#running.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((r) => (timer = setTimeout(r, options.timeoutMs ?? 0)));
      await Promise.race([this.#running.settled(), deadline]);
      clearTimeout(timer);
    }
    for (const id of this.#running.ids()) {
      this.cancel(id, "The server shut down before the job finished");
    }
  }

  #admit(requests: readonly JobRequest[], client: string | undefined): void {
    if (!this.#accepting) throw new DrainingError();
    const waiting = this.#ready.size + this.#timers.size;
    if (waiting + requests.length > this.maxQueue) {
      throw new JobsFullError("queue", `${waiting} jobs are waiting to run`, 1);
    }
    this.#quotas.check(requests, client);
  }

  #schedule(id: string, delayMs: number): void {
    const r = this.store.record(id);
    if (r) this.#quotas.count(r, +1);
    if (delayMs <= 0) return this.#makeReady(id);
    const runAt = new Date(this.store.now() + delayMs).toISOString();
    this.store.update(id, { status: "delayed", runAt });
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        this.#makeReady(id);
      }, delayMs),
    );
  }

  #makeReady(id: string): void {
    const r = this.store.record(id);
    if (!r || isFinal(r.job.status)) return;
    if (r.job.status !== "queued") this.store.update(id, { status: "queued" });
    const key = r.request.concurrencyKey ?? "";
    this.#ready.push({ id, key, priority: r.request.priority ?? 0, seq: r.seq });
    this.#pumpSoon();
  }

  /**
   * Pumps once the current turn is over: the jobs made ready in one turn (a batch, the jobs a
   * worker's message finished) are chosen together, in priority and fair order, and handed over
   * in one go. While jobs run, the pump waits a macrotask rather than a microtask: the jobs that
   * requests on other connections submit in the same pass of the event loop (each in its own
   * task) join the hand-off, one message to a worker for them all rather than one each. An idle
   * runner pumps at once, so a lone job waits for nothing.
   */
  #pumpSoon(): void {
    this.#pumpTurn.schedule(this.#running.size === 0);
  }

  /** The pool's queue's room now (unbounded for a pool that does not say). */
  #poolRoom(): number {
    const { queueSize, options } = this.#pool;
    return queueSize === undefined || options === undefined
      ? Infinity
      : options.maxQueue - queueSize;
  }

  /**
   * Hands the pool every ready job its concurrency allows, in one dispatch turn through
   * `runMany()`: one message per worker rather than one per job. A streamed job's attempt is
   * its own `pool.stream()`.
   */
  #pump(): void {
    this.#handOver();
    // Idle: let go of the macrotask's channel, which would keep the process alive.
    if (this.#running.size === 0) this.#pumpTurn.release();
  }

  #handOver(): void {
    if (this.#awaitingRoom || !this.#accepting) return;
    const room = Math.min(this.concurrency - this.#running.size, this.#poolRoom());
    if (room <= 0 && this.#running.size < this.concurrency && this.#ready.size > 0) {
      // The pool's own queue is bounded and full: wait for room rather than have jobs refused.
      this.#awaitingRoom = true;
      void this.#pool.whenRoom().then(() => {
        this.#awaitingRoom = false;
        this.#pumpSoon();
      });
      return;
    }
    const ids: string[] = [];
    const calls: RunnerCall[] = [];
    for (let started = 0; started < room && this.#ready.size > 0; started++) {
      const entry = this.#ready.take(
        (key) => this.#running.perKey(key),
        this.keyConcurrency,
        this.#mayStart,
      );
      if (!entry) break;
      const stream = this.store.record(entry.id)?.request.stream;
      const call = this.#prepare(entry.id, entry.key);
      if (stream) {
        const { name, input, options } = call;
        const run = streamAttempt(
          this.#pool,
          this.store,
          entry.id,
          name,
          input,
          options!,
          this.maxResult,
        );
        this.#track(entry.id, run);
        continue;
      }
      ids.push(entry.id);
      calls.push(call);
    }
    if (calls.length === 0) return;
    const runs = handOff(this.#pool, calls);
    for (let i = 0; i < calls.length; i++) {
      this.#track(ids[i], runs[i]);
    }
  }

  /**
   * False while the rate limit of the job's key or task is reached: the job then says why and
   * until when (the key is passed over, so it holds up no other key).
   */
  #mayStart = (entry: ReadyEntry): boolean => {
    const r = this.store.record(entry.id);
    if (!r) return true;
    const wait = this.#gate.waitMs(entry.key, r.request);
    if (wait <= 0) return true;
    const notBefore = new Date(this.store.now() + wait).toISOString();
    if (r.job.notBefore !== notBefore) {
      this.store.update(entry.id, { waitingFor: "rate_limit", notBefore });
    }
    return false;
  };

  /** Marks job `id` running and returns its call for the pool. */
  #prepare(id: string, key: string): RunnerCall {
    const r = this.store.record(id)!;
    this.#quotas.count(r, -1);
    const { request } = r;
    // The store stamps `startedAt` itself, as a number; the rate limit counts that instant.
    this.store.update(id, {
      status: "running",
      attempts: r.job.attempts + 1,
      ...(r.job.waitingFor && { waitingFor: undefined, notBefore: undefined }),
    });
    this.#gate.started(key, request, r.startedMs);
    const { call, cancel, stopDeadline } = attemptCall(r, this.#hooked, (value) => {
      // Progress too large to keep is dropped: only the latest value matters anyway.
      const size = jsonLength(value);
      if (size !== undefined && size <= this.maxResult) {
        this.store.update(id, { progress: value }, "progress", size);
      }
    });
    const running = this.#running.start(id, key, cancel);
    running.stopDeadline = stopDeadline;
    return call;
  }

  /** Stores the outcome of job `id`'s attempt `run` and frees its slot. */
  #track(id: string, run: Promise<unknown>): void {
    const running = this.#running.get(id)!;
    const { cancel } = running;
    const finish = () => {
      running.stopDeadline?.();
      this.#running.end(id);
      this.#pumpSoon();
    };
    running.done = run.then(
      (result) => {
        this.#succeeded(id, result);
        finish();
      },
      (e) => {
        // Aborted by cancel(), not by the attempt's own deadline.
        const reason = cancel.reason;
        this.#failed(id, e, reason !== undefined && !(reason instanceof TimeoutError));
        finish();
      },
    );
  }

  #succeeded(id: string, result: unknown): void {
    // A job cancelled while its task ran stays cancelled: count only a change that was stored.
    const stored = storeResult(this.store, id, result, this.maxResult);
    if (stored !== undefined) this.#totals[stored]++;
  }

  #failed(id: string, e: unknown, aborted: boolean): void {
    // Cancelled by us: cancel() already stored the final state.
    if (aborted) return;
    const r = this.store.record(id);
    if (!r || isFinal(r.job.status)) return;
    // A draining server starts nothing new.
    const delay = this.#accepting ? retryDelay(r, e) : undefined;
    if (delay !== undefined) {
      this.store.update(id, { error: jobErrorOf(e) });
      this.#totals.retried++;
      this.#schedule(id, delay);
      return;
    }
    if (storeFailure(this.store, id, e)) this.#totals.failed++;
  }
}
