/**
 * The worker of the raw floor (bench/peers/raw.ts): one message per task in, one message per
 * result out, no library. `[id, task, input]` → `[id, result]`.
 */
import { noop, spin } from "../fixtures/bench_tasks.ts";

const tasks: Record<string, (input: number) => number> = { noop, spin };

// The worker's global scope, typed as the port it is (the DOM lib types `self` as a window).
const scope = self as unknown as Worker;
scope.onmessage = (e: MessageEvent<[number, string, number]>) => {
  const [id, task, input] = e.data;
  scope.postMessage([id, tasks[task](input)]);
};
