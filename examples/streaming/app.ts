// app.ts: reads the chunks as they come, then the return value.
import { createPool } from "../../mod.ts";

const pool = createPool<typeof import("./words.ts")>(new URL("./words.ts", import.meta.url));
const stream = pool.stream("words", "streams of words from a worker", { window: 4 });
for await (const word of stream) console.log(word); // STREAMS, OF, WORDS, FROM, A, WORKER
console.log(`count: ${await stream.result}`); // count: 6

// Leaving the loop early cancels the task: its ctx.signal aborts in the worker.
const early = pool.stream("words", "one two three four five");
for await (const word of early) if (word === "TWO") break;
console.log(`early: ${await early.result.catch((e) => e.name)}`); // early: AbortError
await pool.close();
