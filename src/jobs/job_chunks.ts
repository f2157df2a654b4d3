/**
 * The chunks of streamed jobs, as the in-memory store keeps them for their event streams: per
 * job a replay window bounded in bytes (the oldest chunks go first when a new one would pass it),
 * kept for a while after the job ends, and counted in the store's bytes. A client that resumes
 * from before the window learns which chunk ids it missed (a gap), never silently.
 *
 * @module
 */

import { assertInteger } from "../validate.ts";

/** One chunk: its event id (the job's revision when it was added) and its JSON text. */
export interface ChunkEntry {
  id: number;
  data: string;
}

/** What a resuming client is sent: the chunks after its id, and the ids it missed, if any. */
export interface ChunkReplay {
  chunks: ChunkEntry[];
  /** Set when chunks after `after` are no longer kept: ids `after` < id ≤ `until` are gone. */
  gap?: { after: number; until: number; dropped: number };
}

/** Options of {@linkcode JobChunks}. */
export interface JobChunksOptions {
  /** Bytes of chunks (JSON text) kept per job: the replay window. @default {1048576} */
  windowBytes?: number;
  /** How long a finished job's chunks are kept (within its own time to live). @default {300000} */
  keepMs?: number;
}

interface ChunkLog {
  entries: ChunkEntry[];
  bytes: number;
  /** Chunks dropped so far, and the id of the last one. */
  dropped: number;
  droppedUntil: number;
  /** When the job ended (ms), once it did. */
  endedAt?: number;
}

/**
 * The chunk logs of the store's jobs.
 *
 * @example
 * ```ts
 * import { JobChunks } from "./job_chunks.ts";
 * const chunks = new JobChunks({ windowBytes: 4 });
 * chunks.add("a", 1, '"x"');
 * chunks.add("a", 2, '"y"'); // the window holds 4 bytes: the first chunk goes
 * console.log(chunks.since("a", 0).gap); // { after: 0, until: 1, dropped: 1 }
 * ```
 */
export class JobChunks {
  readonly windowBytes: number;
  readonly keepMs: number;
  #logs = new Map<string, ChunkLog>();
  #bytes = 0;

  constructor(options: JobChunksOptions = {}) {
    const { windowBytes = 1_048_576, keepMs = 300_000 } = options;
    assertInteger("keep chunks", "chunkWindowBytes", windowBytes, { min: 1 });
    assertInteger("keep chunks", "chunkKeepMs", keepMs, { min: 0 });
    this.windowBytes = windowBytes;
    this.keepMs = keepMs;
  }

  /** Bytes of chunks held now, over every job. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds chunk `data` (JSON text) of job `id` with event id `rev`, dropping the oldest past the window. */
  add(id: string, rev: number, data: string): void {
    let log = this.#logs.get(id);
    if (!log) this.#logs.set(id, log = { entries: [], bytes: 0, dropped: 0, droppedUntil: 0 });
    log.entries.push({ id: rev, data });
    log.bytes += data.length;
    this.#bytes += data.length;
    while (log.bytes > this.windowBytes && log.entries.length > 0) {
      const old = log.entries.shift()!;
      log.bytes -= old.data.length;
      this.#bytes -= old.data.length;
      log.dropped++;
      log.droppedUntil = old.id;
    }
  }

  /** The chunks of job `id` after event id `after`, and the gap when some of them are gone. */
  since(id: string, after: number): ChunkReplay {
    const log = this.#logs.get(id);
    if (!log) return { chunks: [] };
    const chunks = log.entries.filter((c) => c.id > after);
    if (log.droppedUntil <= after) return { chunks };
    return { chunks, gap: { after, until: log.droppedUntil, dropped: log.dropped } };
  }

  /** Job `id` ended at `now`: its chunks are kept for `keepMs` more. */
  ended(id: string, now: number): void {
    const log = this.#logs.get(id);
    if (log) log.endedAt = now;
  }

  /** Forgets job `id`'s chunks (the job expired). */
  forget(id: string): void {
    const log = this.#logs.get(id);
    if (!log) return;
    this.#bytes -= log.bytes;
    this.#logs.delete(id);
  }

  /**
   * Drops the chunks of jobs that ended more than `keepMs` ago; what they were stays known, so
   * a late resume gets a gap. Returns how many jobs' chunks were dropped.
   */
  sweep(now: number): number {
    let swept = 0;
    for (const log of this.#logs.values()) {
      if (log.endedAt === undefined || now - log.endedAt < this.keepMs) continue;
      if (log.entries.length === 0) continue;
      this.#bytes -= log.bytes;
      log.dropped += log.entries.length;
      log.droppedUntil = log.entries[log.entries.length - 1].id;
      log.entries = [];
      log.bytes = 0;
      swept++;
    }
    return swept;
  }
}
