// The example page's app: a CPU batch (count the primes below a bound, in chunks) on a workloom
// pool of Web Workers, with a progress bar and a cancel button. It imports the package by name,
// as an app does: the page maps "workloom" to the browser build with an import map, and esbuild
// and Vite resolve it from node_modules (docs/browser.md).
import { createPool, detectMachine, formatMachine, TaskError, TimeoutError } from "workloom";

// The task module is a URL the page serves, beside this file (and beside the bundle, where a
// bundler puts it: see docs/browser.md).
const tasksUrl = new URL("./tasks.js", import.meta.url);
const pool = createPool(tasksUrl, { workload: "cpu" });

const $ = (id) => document.getElementById(id);
const progress = $("progress");
const status = $("status");
const start = $("start");
const cancel = $("cancel");
let controller = null;

/** The chunks of [0, bound): one task each. */
function chunks(bound, count) {
  const size = Math.ceil(bound / count);
  return Array.from({ length: count }, (_, i) => ({
    from: i * size,
    to: Math.min(bound, (i + 1) * size),
  }));
}

/** Runs the batch the form describes; the progress bar follows the tasks as they finish. */
async function runBatch() {
  const ranges = chunks(Number($("bound").value), Number($("tasks").value));
  controller = new AbortController();
  let done = 0;
  progress.max = ranges.length;
  progress.value = 0;
  status.textContent = "running";
  status.dataset.state = "running";
  start.disabled = true;
  cancel.disabled = false;
  const stop = pool.on("taskFinished", () => {
    progress.value = ++done;
  });
  try {
    const counts = await pool.map("countPrimes", ranges, {
      signal: controller.signal,
      inline: false,
    });
    const total = counts.reduce((a, b) => a + b, 0);
    status.textContent = `done: ${total} primes in ${ranges.length} tasks`;
    status.dataset.state = "done";
    $("result").textContent = String(total);
  } catch (error) {
    const cancelled = controller.signal.aborted;
    status.textContent = cancelled ? "cancelled" : `failed: ${error.message}`;
    status.dataset.state = cancelled ? "cancelled" : "failed";
  } finally {
    stop();
    start.disabled = false;
    cancel.disabled = true;
    controller = null;
  }
}

start.addEventListener("click", () => void runBatch());
cancel.addEventListener("click", () => controller?.abort());

// What the pool found: cores from navigator.hardwareConcurrency, no cgroups, and whether this
// page may share memory with its workers (cross-origin isolation), in the machine report's words.
$("machine").textContent = formatMachine(detectMachine());
$("isolation").textContent = globalThis.crossOriginIsolated
  ? "cross-origin isolated: tasks are handed to workers through shared memory"
  : "not cross-origin isolated: tasks go to workers by postMessage";

// For the test (and for poking at from the console): the pool, and what makes more of them.
globalThis.workloom = { pool, createPool, tasksUrl: tasksUrl.href, TaskError, TimeoutError };
document.body.dataset.ready = "true";
