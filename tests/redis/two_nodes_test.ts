// The two-node tests (a Deno and a Bun node process) on one real redis-server, started for each
// test: see two_nodes_suite.ts.
import { startRedis } from "./redis_server.ts";
import { twoNodesSuite } from "./two_nodes_suite.ts";

twoNodesSuite("", startRedis, { jobs: 10_000, restart: true });
