/**
 * The example task module that `workloom demo` runs (and a template for your own): every export
 * is a task, called by name in a worker as `pool.run("countPrimes", { from: 0, to: 50_000 })`.
 * Inputs and results are plain data, because they cross threads by structured clone.
 *
 * @module
 */
import type { TaskContext } from "../mod.ts";

/** A half-open range of integers, `[from, to)`. */
export interface PrimeRange {
  from: number;
  to: number;
}

/**
 * Counts the primes in `[from, to)` by trial division over odd divisors: pure CPU work whose
 * cost grows with the width of the range and with the square root of `to`.
 *
 * @example
 * ```ts
 * import { countPrimes } from "./tasks.ts";
 * console.log(countPrimes({ from: 0, to: 100 })); // 25
 * ```
 */
export function countPrimes(range: PrimeRange): number {
  let count = 0;
  for (let n = Math.max(2, range.from); n < range.to; n++) {
    if (n < 4) {
      count++;
      continue;
    }
    if (n % 2 === 0) continue;
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** The data of one page: a title and the rows of its table. */
export interface PageData {
  title: string;
  rows: { name: string; qty: number; price: number }[];
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

/**
 * Renders a small HTML page (an order table with a total) from data, escaping every text.
 *
 * @example
 * ```ts
 * import { renderPage } from "./tasks.ts";
 * const html = renderPage({ title: "Order <42>", rows: [{ name: "tea", qty: 2, price: 3.5 }] });
 * console.log(html.includes("Order &lt;42&gt;")); // true
 * ```
 */
export function renderPage(page: PageData): string {
  let total = 0;
  const rows = page.rows.map((r) => {
    total += r.qty * r.price;
    return `<tr><td>${escapeHtml(r.name)}</td><td>${r.qty}</td><td>${
      (r.qty * r.price).toFixed(2)
    }</td></tr>`;
  });
  const title = escapeHtml(page.title);
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>` +
    `<table><tr><th>item</th><th>qty</th><th>amount</th></tr>${rows.join("")}` +
    `<tr><td>total</td><td></td><td>${total.toFixed(2)}</td></tr></table></body></html>`;
}

// The CRC-32 (IEEE 802.3) table, built once per worker when the module loads.
const CRC_TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[i] = c >>> 0;
}

/**
 * The CRC-32 checksum of a buffer (the one zip, PNG and Ethernet use), as an unsigned integer.
 * Send large buffers with `transfer: [bytes.buffer]` so they move to the worker without a copy.
 *
 * @example
 * ```ts
 * import { checksum } from "./tasks.ts";
 * console.log(checksum(new TextEncoder().encode("123456789")).toString(16)); // "cbf43926"
 * ```
 */
export function checksum(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** What {@linkcode fetchRecord} returns. */
export interface FetchedRecord {
  id: number;
  name: string;
  latencyMs: number;
}

/**
 * An I/O-like task: waits `latencyMs` on a timer, standing in for a network or database call,
 * then returns a record. It stops waiting when the task is cancelled or times out.
 *
 * @example
 * ```ts
 * import { fetchRecord } from "./tasks.ts";
 * const ctx = { signal: new AbortController().signal, shouldStop: () => false, progress: () => {} };
 * console.log((await fetchRecord({ id: 7, latencyMs: 5 }, ctx)).name); // "record-7"
 * ```
 */
export function fetchRecord(
  request: { id: number; latencyMs: number },
  ctx: TaskContext,
): Promise<FetchedRecord> {
  return new Promise((resolve, reject) => {
    const signal = ctx.signal;
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve({ id: request.id, name: `record-${request.id}`, latencyMs: request.latencyMs });
    }, request.latencyMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
