// The Redis queue behind the job server, in this process, on a real redis-server: the same
// promises as the in-memory store (results, idempotency, retries, delays, cancel, expiry).
import { queueSuite } from "./queue_suite.ts";
import { startRedis } from "./redis_server.ts";

queueSuite("", startRedis);
