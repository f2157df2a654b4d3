// words.ts: a task module with a generator task. Each yielded value is one chunk.
import type { TaskContext } from "../../mod.ts";

/** Yields the words of `text` one by one, and returns how many there were. */
export async function* words(text: string, ctx: TaskContext): AsyncGenerator<string, number> {
  let n = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (ctx.signal.aborted) break; // the caller left its loop: stop early
    await new Promise((resolve) => setTimeout(resolve, 1)); // stands in for real work
    n++;
    yield word.toUpperCase();
  }
  return n;
}
