// Worker file for piscina and tinypool: both import it and call the export named by `{ name }`.
export { noop, spin } from "../fixtures/bench_tasks.ts";
