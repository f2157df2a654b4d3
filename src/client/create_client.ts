/**
 * A typed client of the job server over plain `fetch`: task names and inputs are checked at
 * compile time against the task module's own types, as with the pool.
 *
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "../engine/task_types.ts";
import type { Job, JobRequest } from "../jobs/job.ts";
import { JobServerError } from "./job_server_error.ts";

/** Options of {@linkcode createClient}. */
export interface ClientOptions {
  /** The server's bearer token. @default {undefined} */
  token?: string;
  /** The fetch to use (a test double, or one with a proxy). @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/**
 * How to run one submitted job: the job request's own options (see `JobRequest`), and the
 * `Idempotency-Key` to send: the same key and request give back the same job.
 */
export type SubmitOptions = Omit<JobRequest, "task" | "input"> & { idempotencyKey?: string };

/** A job as the client returns it, its result typed when the task is known. */
export type ClientJob<R = unknown> = Omit<Job, "result"> & {
  result?: R;
  /** Where the job is read, on submissions. */
  statusUrl?: string;
  /** True when an `Idempotency-Key` gave back an existing job. */
  idempotent?: boolean;
};

/** One Server-Sent Event of a job's stream. */
export interface JobEvent {
  /** `status` or `progress`. */
  event: string;
  /** The event id: resume from it with `lastEventId`. */
  id?: string;
  /** The job after the change. */
  job: ClientJob;
}

/** The job server's client, typed by the task module `M`. */
export interface JobClient<M> {
  /** Submits a job; resolves with it as accepted (or as replayed for an idempotency key). */
  submit<K extends TaskName<M>>(
    task: K,
    input: TaskInput<M, K>,
    options?: SubmitOptions,
  ): Promise<ClientJob<TaskResult<M, K>>>;
  /** Reads a job. */
  get(id: string): Promise<ClientJob>;
  /**
   * Resolves with the job once it is final, long-polling 30 s at a time; with `timeoutMs`, with
   * its state at that deadline if it is not final by then.
   */
  wait(id: string, options?: { timeoutMs?: number }): Promise<ClientJob>;
  /** Cancels a job; throws `JobServerError` 409 when it is already final. */
  cancel(id: string): Promise<ClientJob>;
  /**
   * The job's events until it is final. Breaking out of the loop (or `signal`) closes the
   * connection; `lastEventId` resumes after an event already seen. When the connection drops
   * before the job is final, the client connects again by itself and sends the id of the last
   * event it saw as `Last-Event-ID`, so that no event comes twice.
   */
  events(id: string, options?: EventsOptions): AsyncIterable<JobEvent>;
}

/** Options of {@linkcode JobClient.events}. */
export interface EventsOptions {
  /** Resume after this event id (one seen on an earlier stream). @default {undefined} */
  lastEventId?: string;
  /** Ends the stream (the loop throws the signal's reason). @default {undefined} */
  signal?: AbortSignal;
  /**
   * Failed connections in a row (a network error or a 5xx answer) after which the loop throws;
   * a connection that answers 200 resets the count. @default {5}
   */
  reconnects?: number;
  /** The wait before connecting again; it doubles after each failed connection, up to 5 s. @default {500} */
  reconnectDelayMs?: number;
}

const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const MAX_POLL_MS = 30_000;
const MAX_RECONNECT_DELAY_MS = 5000;

/** Waits `ms`, or throws the signal's reason when it aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot stream the job's events as '${name}' must be a non-negative integer: current value is ${value}`,
    );
  }
  return value;
}

/**
 * Creates a client for the job server at `url`.
 *
 * @example
 * ```ts ignore
 * import { createClient } from "./create_client.ts";
 * const client = createClient<typeof import("./tasks.ts")>("http://127.0.0.1:8787", { token: "s3cret" });
 * const job = await client.submit("countPrimes", { from: 0, to: 100_000 });
 * const done = await client.wait(job.id);
 * console.log(done.status, done.result);
 * ```
 */
export function createClient<M = AnyTaskModule>(
  url: string | URL,
  options: ClientOptions = {},
): JobClient<M> {
  const base = String(url).replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = (extra: Record<string, string> = {}): Record<string, string> =>
    options.token === undefined ? extra : { ...extra, authorization: `Bearer ${options.token}` };

  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await doFetch(`${base}${path}`, init);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      const retry = res.headers.get("retry-after");
      throw new JobServerError(
        res.status,
        err?.code ?? "http_error",
        err?.message ?? `HTTP ${res.status}`,
        retry === null ? undefined : Number(retry),
      );
    }
    return body as T;
  }

  const client: JobClient<M> = {
    submit(task, input, submitOptions = {}) {
      const { idempotencyKey, ...rest } = submitOptions;
      const extra: Record<string, string> = { "content-type": "application/json" };
      if (idempotencyKey !== undefined) extra["idempotency-key"] = idempotencyKey;
      return request("/jobs", {
        method: "POST",
        headers: headers(extra),
        body: JSON.stringify({ task, input, ...rest }),
      });
    },
    get: (id) => request(`/jobs/${encodeURIComponent(id)}`, { headers: headers() }),
    async wait(id, waitOptions = {}) {
      const end = waitOptions.timeoutMs === undefined
        ? Infinity
        : performance.now() + waitOptions.timeoutMs;
      for (;;) {
        const left = Math.max(0, Math.min(MAX_POLL_MS, end - performance.now()));
        const job = await request<ClientJob>(
          `/jobs/${encodeURIComponent(id)}?wait=${Math.ceil(left)}`,
          { headers: headers() },
        );
        if (FINAL.has(job.status) || performance.now() >= end) return job;
      }
    },
    cancel: (id) =>
      request(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE", headers: headers() }),
    events(id, eventOptions = {}) {
      const reconnects = nonNegativeInteger("reconnects", eventOptions.reconnects, 5);
      const firstDelayMs = nonNegativeInteger(
        "reconnectDelayMs",
        eventOptions.reconnectDelayMs,
        500,
      );
      return {
        async *[Symbol.asyncIterator]() {
          const controller = new AbortController();
          const outer = eventOptions.signal;
          const onAbort = () => controller.abort(outer?.reason);
          if (outer?.aborted) onAbort();
          outer?.addEventListener("abort", onAbort);
          let lastEventId = eventOptions.lastEventId;
          let failures = 0;
          try {
            for (;;) {
              let final = false;
              try {
                const extra: Record<string, string> = { accept: "text/event-stream" };
                // What makes a reconnection resume: the server sends only what came after it.
                if (lastEventId !== undefined) extra["last-event-id"] = lastEventId;
                const res = await doFetch(`${base}/jobs/${encodeURIComponent(id)}/events`, {
                  headers: headers(extra),
                  signal: controller.signal,
                });
                if (!res.ok || !res.body) {
                  const body = await res.json().catch(() => undefined);
                  const error = new JobServerError(
                    res.status,
                    body?.error?.code ?? "http_error",
                    body?.error?.message ?? `HTTP ${res.status}`,
                  );
                  // A 4xx (unknown or expired job, bad token) will not change by trying again.
                  if (res.status < 500) throw error;
                  throw new Error(`The event stream answered ${res.status}`, { cause: error });
                }
                failures = 0;
                const events = res.body.pipeThrough(new TextDecoderStream())
                  .pipeThrough(new EventSourceParserStream());
                for await (const e of events) {
                  // The server is about to close a stream that fell too far behind: the
                  // reconnect below resumes from the last id seen, so nothing is lost.
                  if (e.event === "lagging") continue;
                  const job = JSON.parse(e.data) as ClientJob;
                  if (e.id !== undefined) lastEventId = e.id;
                  final = FINAL.has(job.status);
                  yield { event: e.event ?? "message", id: e.id, job };
                }
              } catch (e) {
                if (e instanceof JobServerError || controller.signal.aborted) throw e;
                // The connection failed or dropped: connect again, up to `reconnects` in a row.
                if (++failures > reconnects) throw e;
              }
              if (final) return;
              // The stream ended before the job was final (a proxy or the server let it go).
              const wait = firstDelayMs * 2 ** Math.max(0, failures - 1);
              await pause(Math.min(MAX_RECONNECT_DELAY_MS, wait), controller.signal);
            }
          } finally {
            outer?.removeEventListener("abort", onAbort);
            // Ends the request when the caller stops early (break) or the stream is done.
            controller.abort();
          }
        },
      };
    },
  };
  return client;
}
