/**
 * ISO text of job times, made when a copy of a job is handed out (the store keeps numbers).
 *
 * @module
 */

// The ISO text of the last second formatted, without its milliseconds: the times of the jobs
// of one second share it (views are made for every lookup and change, so this is a hot path).
let isoSecond = NaN;
let isoPrefix = "";

/**
 * `new Date(ms).toISOString()`, formatting the date only once per second.
 *
 * @example
 * ```ts
 * import { isoTime } from "./iso_time.ts";
 * console.log(isoTime(1_000_000_000_123)); // "2001-09-09T01:46:40.123Z"
 * ```
 */
export function isoTime(ms: number): string {
  const t = Math.trunc(ms);
  const second = Math.floor(t / 1000);
  if (second !== isoSecond) {
    const text = new Date(second * 1000).toISOString();
    isoPrefix = text.slice(0, text.length - 4); // without "000Z"
    isoSecond = second;
  }
  const milli = t - second * 1000;
  return `${isoPrefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}
