/**
 * The connection limits of `workloom serve`: how many event streams stay open (in all and per
 * client address), how long a stream's client may leave an event unread, how long a request's body
 * may take to arrive, and the longest `?wait=`.
 *
 * @module
 */
import { flagValue, parseDuration, parseWhole } from "./units.ts";

/** The help text of the connection-limit flags. */
export const LIMIT_USAGE =
  `  --max-streams <n>       Event streams (jobs and dashboards) open at once (then 429).
                          Default: 500.
  --max-streams-per-client <n>
                          Event streams one client address holds open (then 429).
                          Default: 50.
  --stream-stall <dur>    A stream's client that leaves an event unread this long is cut
                          off. Default: 30s.
  --body-timeout <dur>    Time for a request's body to arrive (then 408). Default: 10s.
  --max-wait <dur>        Longest ?wait= of a long-poll, at most 30s. Default: 30s.`;

/** The flag definitions, for `parseArgs`. */
export const LIMIT_FLAGS = {
  "max-streams": { type: "string" },
  "max-streams-per-client": { type: "string" },
  "stream-stall": { type: "string" },
  "body-timeout": { type: "string" },
  "max-wait": { type: "string" },
} as const;

/** The connection limits `workloom serve` passes to `createServer`, those given only. */
export interface LimitSettings {
  maxStreams?: number;
  maxStreamsPerClient?: number;
  streamStallMs?: number;
  bodyTimeoutMs?: number;
  maxWaitMs?: number;
}

function whole(name: string, text: string): number {
  return flagValue(name, text, parseWhole, "a whole number of at least 1", { max: 999_999_999 });
}

function duration(name: string, text: string, max = 2 ** 31 - 1): number {
  return flagValue(name, text, parseDuration, `a duration such as 10s, at most ${max} ms`, { max });
}

/**
 * Reads the connection-limit flags into the `createServer` options they set; throws `RangeError`
 * naming the flag and the value.
 *
 * @example
 * ```ts
 * import { limitSettings } from "./serve_limits.ts";
 * console.log(limitSettings({ "max-streams": "20", "body-timeout": "5s" }));
 * // { maxStreams: 20, bodyTimeoutMs: 5000 }
 * ```
 */
export function limitSettings(
  values: { [K in keyof typeof LIMIT_FLAGS]?: string },
): LimitSettings {
  const out: LimitSettings = {};
  const v = values;
  if (v["max-streams"] !== undefined) out.maxStreams = whole("max-streams", v["max-streams"]);
  if (v["max-streams-per-client"] !== undefined) {
    out.maxStreamsPerClient = whole("max-streams-per-client", v["max-streams-per-client"]);
  }
  if (v["stream-stall"] !== undefined) {
    out.streamStallMs = duration("stream-stall", v["stream-stall"]);
  }
  if (v["body-timeout"] !== undefined) {
    out.bodyTimeoutMs = duration("body-timeout", v["body-timeout"]);
  }
  if (v["max-wait"] !== undefined) out.maxWaitMs = duration("max-wait", v["max-wait"], 30_000);
  return out;
}
