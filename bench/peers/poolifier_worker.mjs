// Worker file for poolifier: a ThreadWorker holding named task functions, picked by execute(data, name).
import { ThreadWorker } from "poolifier";
import { noop, spin } from "../fixtures/bench_tasks.ts";

export default new ThreadWorker({ noop, spin });
