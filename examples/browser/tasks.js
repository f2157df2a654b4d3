// The example page's task module: every export is a task, run by name in a Web Worker. It is
// plain JavaScript with no imports, so that a page can load it as it is, and a bundler can emit
// it as it is (Vite copies a file named by `new URL("./tasks.js", import.meta.url)`).

/**
 * Counts the primes in `[from, to)` by trial division: pure CPU work.
 *
 * @param {{ from: number, to: number }} range
 * @returns {number}
 */
export function countPrimes(range) {
  let count = 0;
  for (let n = Math.max(2, range.from); n < range.to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/**
 * Adds one: a task of microseconds, whose input and result fit the shared-memory mailbox, for
 * seeing the fast path at work.
 *
 * @param {number} n
 * @returns {number}
 */
export function increment(n) {
  return n + 1;
}

/**
 * Says which thread ran it: a worker's global scope has no `document`, and its name is the one
 * the pool gave the worker.
 *
 * @param {string} tag
 * @returns {{ tag: string, worker: boolean, name: string, isolated: boolean }}
 */
export function where(tag) {
  return {
    tag,
    worker: typeof document === "undefined" &&
      typeof WorkerGlobalScope === "function" && self instanceof WorkerGlobalScope,
    name: self.name,
    isolated: self.crossOriginIsolated === true,
  };
}

/**
 * Resolves when the page posts `"open"` on the BroadcastChannel named `channel`: a task that
 * holds its worker for exactly as long as the page wants, with no clock involved.
 *
 * @param {string} channel
 * @returns {Promise<string>}
 */
export function gate(channel) {
  const bc = new BroadcastChannel(channel);
  return new Promise((resolve) => {
    bc.onmessage = (event) => {
      if (event.data !== "open") return;
      bc.close();
      resolve(channel);
    };
    bc.postMessage("waiting");
  });
}

/**
 * Keeps its thread busy for `ms` milliseconds, never yielding: only ending the worker stops it.
 *
 * @param {number} ms
 * @returns {number}
 */
export function spin(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

/**
 * Throws: the caller's promise rejects with a TaskError that carries this message.
 *
 * @param {string} message
 * @returns {never}
 */
export function fail(message) {
  throw new RangeError(message);
}

/**
 * Ends its own worker mid-task: the caller's promise rejects with WorkerCrashedError, and the
 * pool starts a new worker for what comes next.
 *
 * @returns {Promise<never>}
 */
export function crash() {
  self.close();
  return new Promise(() => {});
}
