/**
 * The typed client of the workloom job server, over plain `fetch`. Its own subpath: it loads
 * neither Hono nor zod, and takes only types from the pool.
 *
 * @example
 * ```ts ignore
 * import { createClient } from "@workloom/workloom/client";
 * const client = createClient<typeof import("./tasks.ts")>("http://127.0.0.1:8787");
 * const job = await client.submit("countPrimes", { from: 0, to: 100_000 });
 * console.log((await client.wait(job.id)).result);
 * ```
 *
 * @module
 */

export { createClient } from "./src/client/create_client.ts";
export type {
  ClientJob,
  ClientOptions,
  EventsOptions,
  JobChunkEvent,
  JobClient,
  JobEvent,
  JobGapEvent,
  SubmitOptions,
} from "./src/client/create_client.ts";
export { JobServerError } from "./src/client/job_server_error.ts";
