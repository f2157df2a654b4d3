/**
 * One attempt of a streamed job (`stream: true`): the task runs with `pool.stream()`, and each
 * chunk goes to the store as its JSON text, where the job's event streams pick it up and its
 * replay window keeps it. The attempt reads chunks as they come (the store's window, not the
 * worker, bounds what is kept), and resolves with the generator's return value, the job's result.
 *
 * @module
 */
import type { RunOptions } from "../engine/run_options.ts";
import type { RunnerPool } from "./job_backend.ts";

/** What the attempt needs of the store. */
export interface ChunkTarget {
  appendChunk(id: string, data: string): boolean;
}

/**
 * Streams task `task` for job `id` into `store`. Rejects, cancelling the task, when a chunk
 * cannot be kept: not JSON, or longer than `maxChunk` characters.
 *
 * @example
 * ```ts ignore
 * const result = await streamAttempt(pool, store, job.id, "tokens", input, options, 1 << 20);
 * ```
 */
export async function streamAttempt(
  pool: RunnerPool,
  store: ChunkTarget,
  id: string,
  task: string,
  input: unknown,
  options: RunOptions,
  maxChunk: number,
): Promise<unknown> {
  if (!pool.stream) throw new TypeError(`Cannot stream job '${id}' as its pool cannot stream`);
  const stream = pool.stream(task, input, options);
  for await (const chunk of stream) store.appendChunk(id, chunkText(id, chunk, maxChunk));
  return await stream.result;
}

/**
 * A chunk of job `id` as the JSON text a store keeps, or a `RangeError` when JSON cannot carry it
 * or its text is longer than `maxChunk` (thrown inside the chunk loop, it leaves the loop, which
 * cancels the task, and the job fails with it). Both stores check chunks with it.
 *
 * @example
 * ```ts
 * import { chunkText } from "./stream_attempt.ts";
 * console.log(chunkText("j1", { n: 1 }, 100)); // {"n":1}
 * ```
 */
export function chunkText(id: string, chunk: unknown, maxChunk: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(chunk);
  } catch { /* reported below */ }
  if (text === undefined || text.length > maxChunk) {
    throw new RangeError(
      `Cannot keep a chunk of job '${id}' as ${
        text === undefined ? "JSON cannot carry it" : `its JSON text has ${text.length} ` +
          `characters, more than the maximum result of ${maxChunk}`
      }`,
    );
  }
  return text;
}
