/**
 * Streamed jobs' chunks on Redis: each job's chunks are in a stream of their own (its replay
 * window, bounded in bytes), so that any node can serve them. The node running the job writes
 * them in batches (one script call per batch, whatever number of chunks and jobs it holds: a new
 * batch goes out when the one before was answered), and waits for Redis when a job has a window
 * of chunks not yet written, which pauses the generator in its worker through `pool.stream`'s
 * credit. Every node reads them back for a resuming client (`since`) and for its live watchers,
 * told of each batch by the events stream.
 *
 * @module
 */
import type { RunOptions } from "../engine/run_options.ts";
import type { ChunkEntry, ChunkReplay } from "../jobs/job_chunks.ts";
import type { RunnerPool } from "../jobs/job_backend.ts";
import { chunkText } from "../jobs/stream_attempt.ts";
import { assertInteger } from "../validate.ts";
import { APPEND_CHUNKS, SWEEP_CHUNKS } from "./lua/chunk_scripts.ts";
import type { Claimed, RedisJobs } from "./redis_jobs.ts";

/** Options of {@linkcode RedisChunks}. */
export interface RedisChunksOptions {
  /** Bytes of chunks (JSON text, UTF-8) kept per job: the replay window. @default {1048576} */
  windowBytes?: number;
  /** How long a finished job's chunks are kept (within its own time to live). @default {300000} */
  keepMs?: number;
}

interface Batch {
  entry: string;
  chunks: string[];
  bytes: number;
  /** Settles when Redis answered the script call that carried this batch. */
  written: Promise<void>;
  settle: (e?: unknown) => void;
  /** Set when Redis refused it: the job no longer runs under that entry. */
  refused?: boolean;
}

function newBatch(entry: string): Batch {
  let settle!: (e?: unknown) => void;
  const written = new Promise<void>((resolve, reject) => {
    settle = (e) => e === undefined ? resolve() : reject(e);
  });
  // Nobody may be waiting on this batch: its failure is heard through `written()` or the log.
  written.catch(() => {});
  return { entry, chunks: [], bytes: 0, written, settle };
}

/**
 * The options with their defaults, checked: a `RangeError` names a bad one.
 *
 * @example
 * ```ts
 * import { chunkOptions } from "./redis_chunks.ts";
 * console.log(chunkOptions({ windowBytes: 4096 })); // { windowBytes: 4096, keepMs: 300000 }
 * ```
 */
export function chunkOptions(options: RedisChunksOptions): Required<RedisChunksOptions> {
  const { windowBytes = 1_048_576, keepMs = 300_000 } = options;
  assertInteger("keep chunks", "chunkWindowBytes", windowBytes, { min: 1 });
  assertInteger("keep chunks", "chunkKeepMs", keepMs, { min: 0 });
  return { windowBytes, keepMs };
}

/** The stream id `<rev>-0` of a chunk, as its event id. */
const revOf = (entryId: string): number => Number(entryId.slice(0, entryId.indexOf("-")));

/**
 * The chunks of one Redis queue's streamed jobs.
 *
 * @example
 * ```ts ignore
 * import { RedisChunks } from "./redis_chunks.ts";
 * const chunks = new RedisChunks(jobs, { windowBytes: 1 << 20, keepMs: 300_000 });
 * const result = await chunks.stream(pool, claimed.id, claimed.entry, "tokens", input, {}, 1 << 20);
 * console.log(await chunks.since(claimed.id, 0)); // { chunks: [{ id: 3, data: '"a"' }, …] }
 * ```
 */
export class RedisChunks {
  readonly windowBytes: number;
  readonly keepMs: number;
  #jobs: RedisJobs;
  /** Chunks not yet sent to Redis, per job. */
  #pending = new Map<string, Batch>();
  /** The last batch sent of each job, until Redis answered it. */
  #sent = new Map<string, Batch>();
  #writing = false;
  /** Per watched job on this node: the event id of the last chunk its watchers were given. */
  #cursors = new Map<string, number>();

  constructor(jobs: RedisJobs, options: RedisChunksOptions = {}) {
    const { windowBytes, keepMs } = chunkOptions(options);
    this.#jobs = jobs;
    this.windowBytes = windowBytes;
    this.keepMs = keepMs;
  }

  /**
   * What runs job `c` when it is streamed (`stream: true`): its `run()` streams the task on
   * `pool` into the job's chunk stream (see {@linkcode RedisChunks.stream}); undefined for a job
   * that is not streamed, which runs with `pool.run()`.
   */
  runner(
    pool: RunnerPool,
    c: Claimed,
    maxResult: number,
  ): Pick<RunnerPool, "run"> | undefined {
    if (!c.request.stream) return undefined;
    return {
      run: (task, input, o) => this.stream(pool, c.id, c.entry, task, input, o ?? {}, maxResult),
    };
  }

  /**
   * Runs task `task` of job `id` (claimed under dispatch entry `entry`) with `pool.stream()` and
   * writes its chunks to the job's stream; resolves with the generator's return value once every
   * chunk is in Redis (so the job's result is recorded after its chunks). Rejects, cancelling the
   * task, when a chunk cannot be kept (not JSON, or longer than `maxChunk` characters), when Redis
   * refuses the chunks (the job no longer runs here) or cannot be reached.
   */
  async stream(
    pool: RunnerPool,
    id: string,
    entry: string,
    task: string,
    input: unknown,
    options: RunOptions,
    maxChunk: number,
  ): Promise<unknown> {
    if (!pool.stream) throw new TypeError(`Cannot stream job '${id}' as its pool cannot stream`);
    const stream = pool.stream(task, input, options);
    let result: unknown;
    try {
      for await (const chunk of stream) {
        const full = this.#add(id, entry, chunkText(id, chunk, maxChunk));
        // A window of chunks not yet in Redis: wait for it, and the worker waits for credit.
        if (full) await this.#kept(id, full);
      }
      result = await stream.result;
    } catch (e) {
      // The error is recorded after the chunks before it (or, without Redis, not at all).
      await this.#kept(id).catch(() => {});
      throw e;
    }
    await this.#kept(id);
    return result;
  }

  /** Queues a chunk; returns its batch when the job has a window of chunks unsent. */
  #add(id: string, entry: string, text: string): Batch | undefined {
    let batch = this.#pending.get(id);
    if (!batch) this.#pending.set(id, batch = newBatch(entry));
    batch.chunks.push(text);
    batch.bytes += text.length;
    if (!this.#writing) void this.#write();
    return batch.bytes >= this.windowBytes ? batch : undefined;
  }

  /**
   * Resolves once `batch` (by default job `id`'s last) is in Redis; throws if Redis could not be
   * reached or refused it.
   */
  async #kept(id: string, batch?: Batch): Promise<void> {
    const last = batch ?? this.#pending.get(id) ?? this.#sent.get(id);
    if (!last) return;
    await last.written;
    if (last.refused) {
      throw new DOMException(`Job '${id}' no longer runs on this node`, "AbortError");
    }
  }

  /** Sends what is pending, in one script call, until nothing is. */
  async #write(): Promise<void> {
    this.#writing = true;
    try {
      // Chunks that arrive in this same turn join the first batch.
      await Promise.resolve();
      while (this.#pending.size > 0) {
        const batches = [...this.#pending];
        this.#pending.clear();
        const args: (string | number)[] = [this.windowBytes, batches.length];
        for (const [id, b] of batches) {
          args.push(id, b.entry, b.chunks.length, ...b.chunks);
          this.#sent.set(id, b);
        }
        let reply: number[] | undefined;
        let error: unknown;
        try {
          reply = (await APPEND_CHUNKS.run(this.#jobs.link, this.#jobs.keys, args)) as number[];
        } catch (e) {
          error = e ?? new Error("Redis did not take the chunks");
        }
        batches.forEach(([id, b], i) => {
          if (reply && Number(reply[i]) === 0) b.refused = true;
          b.chunks = [];
          b.settle(error);
          if (this.#sent.get(id) === b) this.#sent.delete(id);
        });
      }
    } finally {
      this.#writing = false;
    }
  }

  /**
   * The kept chunks of job `id` after event id `after` (at most the window), and the gap when
   * some of them are gone, read from Redis: what a resuming client gets first, on any node.
   */
  async since(id: string, after: number): Promise<ChunkReplay> {
    const link = this.#jobs.link;
    const [meta, entries] = await Promise.all([
      link.send(["HMGET", this.#jobs.keys.job(id), "cdrop", "cuntil"]),
      link.send(["XRANGE", this.#jobs.keys.chunks(id), `${after + 1}-0`, "+"]),
    ]);
    const [dropped, until] = (meta as (string | null)[]).map((v) => Number(v ?? 0));
    const chunks = (entries as [string, string[]][]).map(([e, f]): ChunkEntry => ({
      id: revOf(e),
      data: f[1],
    }));
    if (until <= after) return { chunks };
    return { chunks, gap: { after, until, dropped } };
  }

  /**
   * The chunks of job `id` a batch announced (event `rev`, its first chunk `from`) that this
   * node's watchers were not given yet, oldest first; none when an earlier read took them.
   * `behind` when some of them were let go before this read (the window moved past them): the
   * watchers must resume from the window, where they learn of the gap. The caller gives them to
   * the watchers in the order it asked.
   */
  async fresh(
    id: string,
    rev: number,
    from: number,
  ): Promise<{ chunks: ChunkEntry[]; behind: boolean }> {
    const cursor = this.#cursors.get(id) ?? from - 1;
    if (cursor >= rev) return { chunks: [], behind: false };
    // Up to this batch's last chunk: a later batch is read on its own event.
    this.#cursors.set(id, rev);
    const link = this.#jobs.link;
    const [until, entries] = await Promise.all([
      link.send(["HGET", this.#jobs.keys.job(id), "cuntil"]),
      link.send(["XRANGE", this.#jobs.keys.chunks(id), `${cursor + 1}-0`, `${rev}-0`]),
    ]);
    if (Number(until ?? 0) > cursor) return { chunks: [], behind: true };
    return {
      chunks: (entries as [string, string[]][]).map(([e, f]) => ({ id: revOf(e), data: f[1] })),
      behind: false,
    };
  }

  /** Forgets where the watchers of job `id` were (none is left, or the job ended). */
  unwatched(id: string): void {
    this.#cursors.delete(id);
  }

  /** Watched jobs this node keeps a cursor for (bounded by the jobs watched). */
  get cursors(): number {
    return this.#cursors.size;
  }

  /** Lets go of chunks kept long enough after their job ended (see SWEEP_CHUNKS). */
  async sweep(limit = 1000): Promise<number> {
    return Number(await SWEEP_CHUNKS.run(this.#jobs.link, this.#jobs.keys, [this.keepMs, limit]));
  }
}
