/**
 * The streamed-job flags of `workloom serve`: each streamed job's replay window and how long its
 * chunks are kept after it ends, passed to whichever store serves (in memory, or Redis).
 *
 * @module
 */
import { flagValue, parseBytes, parseDuration } from "./units.ts";

/** The help text of the streamed-job flags. */
export const CHUNK_USAGE =
  `  --chunk-window <size>   Replay window of each streamed job's chunks (Last-Event-ID resumes
                          inside it; before it, a gap event). Default: 1mb.
  --chunk-keep <dur>      How long a streamed job's chunks are kept after it ends.
                          Default: 5m.`;

/** The flag definitions, for `parseArgs`. */
export const CHUNK_FLAGS = {
  "chunk-window": { type: "string" },
  "chunk-keep": { type: "string" },
} as const;

/** The chunk settings `workloom serve` passes to its queue, those given only. */
export interface ChunkSettings {
  chunkWindowBytes?: number;
  chunkKeepMs?: number;
}

function positive(name: string, text: string, parse: (t: string) => number, what: string): number {
  return flagValue(name, text, parse, what, { max: 2 ** 31 - 1 });
}

/**
 * Reads the streamed-job flags into the queue options they set; throws `RangeError` naming the
 * flag and the value.
 *
 * @example
 * ```ts
 * import { chunkSettings } from "./serve_chunks.ts";
 * console.log(chunkSettings({ "chunk-window": "64kb", "chunk-keep": "1m" }));
 * // { chunkWindowBytes: 65536, chunkKeepMs: 60000 }
 * ```
 */
export function chunkSettings(
  values: { [K in keyof typeof CHUNK_FLAGS]?: string },
): ChunkSettings {
  const out: ChunkSettings = {};
  if (values["chunk-window"] !== undefined) {
    out.chunkWindowBytes = positive(
      "chunk-window",
      values["chunk-window"],
      parseBytes,
      "a size such as 64kb or 1mb, at least 1 byte",
    );
  }
  if (values["chunk-keep"] !== undefined) {
    out.chunkKeepMs = positive(
      "chunk-keep",
      values["chunk-keep"],
      parseDuration,
      `a duration such as 30s or 5m, at most ${2 ** 31 - 1} ms`,
    );
  }
  return out;
}
