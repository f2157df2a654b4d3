/**
 * The demo as a script: `deno run -A examples/demo.ts` or `bun examples/demo.ts`. The same demo
 * is `workloom demo` on the command line and `npm run demo` from a fresh clone.
 *
 * @module
 */
import { runDemo } from "../src/cli/demo.ts";

await runDemo(new URL("./tasks.ts", import.meta.url));
