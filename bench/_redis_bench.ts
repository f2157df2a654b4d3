/**
 * What bench/redis.ts and bench/redis_mixes.ts share: the Redis they run on (one
 * `redis-server`, or a local Redis Cluster of three masters), a `workloom serve --queue` node in
 * a process of its own, and one timed round of each contender that accounts for every job.
 *
 * A round counts a job done when its result is recorded (workloom: the queue's `recorded`
 * counter, which must end at exactly the jobs sent, with no job failed or cancelled; BullMQ: its
 * Worker's `completed` events, and a `failed` one throws). A round in which
 * no job is recorded for {@linkcode STALL_MS} throws with the count it reached: a lost job ends
 * the run instead of hanging it.
 *
 * @module
 */
import { getRuntimeKey } from "../src/adapter/runtime.ts";
import { connectRedis, type RedisLink } from "../redis.ts";
import { startRedis } from "../tests/redis/redis_server.ts";
import { startCluster } from "../tests/redis/redis_cluster.ts";
import { median, startProcess } from "./_cli_server.ts";

export const runtime = getRuntimeKey();

/** A round with no job recorded for this long has lost one. */
export const STALL_MS = 60_000;

/** How long BullMQ's clients may take to be ready or to close before the round gives up. */
const READY_MS = 20_000;

/** `p`, or a rejection naming `what` once `ms` have passed first. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited over ${ms} ms for ${what}`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The `p`th percentile, nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Runs `f` `n` times in a row and returns what each gave. */
export async function repeat<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

/** The Redis a run uses: one server or a cluster, the same calls either way. */
export interface BenchRedis {
  kind: "single" | "cluster";
  /** workloom's `--queue` URL. */
  url: string;
  /** A link that reaches any key (a cluster link on a cluster). */
  link: RedisLink;
  /** Empties every master. */
  flush(): Promise<void>;
  /** Redis commands run so far on every master, in all, but INFO (this script's own reads). */
  commands(): Promise<number>;
  /** `used_memory` summed over the masters. */
  usedMemory(): Promise<number>;
  /**
   * A BullMQ `connection`: options on one server, a fresh ioredis Cluster on a cluster (BullMQ
   * does not close a client it is given: the round quits it).
   */
  bullConnection(): Promise<unknown>;
  /** BullMQ's key prefix: a hash tag on a cluster, so that each queue's keys share a slot. */
  bullPrefix: string;
  close(): Promise<void>;
}

function sumCommands(text: string): number {
  let sum = 0;
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== "info") sum += Number(m[2]);
  }
  return sum;
}

async function total(links: RedisLink[], f: (l: RedisLink) => Promise<number>): Promise<number> {
  return (await Promise.all(links.map(f))).reduce((a, b) => a + b, 0);
}

const commandsOf = async (l: RedisLink) =>
  sumCommands(String(await l.send(["INFO", "commandstats"])));
const memoryOf = async (l: RedisLink) =>
  Number(/used_memory:(\d+)/.exec(String(await l.send(["INFO", "memory"])))![1]);

/** A `redis-server` on a free port without persistence, or a three-master cluster. */
export async function startBenchRedis(cluster: boolean): Promise<BenchRedis> {
  if (!cluster) {
    const redis = await startRedis();
    const link = await redis.link();
    return {
      kind: "single",
      url: redis.url,
      link,
      flush: async () => void await link.send(["FLUSHALL"]),
      commands: () => commandsOf(link),
      usedMemory: () => memoryOf(link),
      bullConnection: () =>
        Promise.resolve({ host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null }),
      bullPrefix: "bull",
      close: () => redis.close(),
    };
  }
  const c = await startCluster();
  const masters = c.nodes.map((n) => n.link);
  let link: RedisLink;
  try {
    link = await connectRedis(c.url, { onError: () => {} });
  } catch (e) {
    await c.close();
    throw e;
  }
  return {
    kind: "cluster",
    url: c.url,
    link,
    flush: async () => void await Promise.all(masters.map((l) => l.send(["FLUSHALL"]))),
    commands: () => total(masters, commandsOf),
    usedMemory: () => total(masters, memoryOf),
    async bullConnection() {
      const { Cluster } = await import("ioredis");
      const client = new Cluster(c.nodes.map((n) => ({ host: "127.0.0.1", port: n.port })), {
        redisOptions: { maxRetriesPerRequest: null },
      });
      // BullMQ waits for the `ready` of a Cluster it gets that is not ready yet, and on Deno
      // that wait has hung: it gets one that is ready.
      await within(
        READY_MS,
        "an ioredis Cluster to be ready",
        new Promise((resolve, reject) => {
          client.once("ready", resolve);
          client.once("error", reject);
        }),
      ).catch((e) => {
        client.disconnect();
        throw e;
      });
      return client;
    },
    bullPrefix: "{bull}",
    async close() {
      await link.close({ now: true });
      await c.close();
    },
  };
}

/** `workloom serve --queue` on this runtime, of bench_tasks.ts, with no limit in the way. */
export function startServe(redisUrl: string, big: number) {
  const n = String(big);
  return startProcess([
    "src/cli/cli.ts",
    "serve",
    "--tasks",
    "bench/fixtures/bench_tasks.ts",
    "--queue",
    redisUrl,
    "--port",
    "0",
    "--isolation",
    "thread",
    ...["--max-queue", n, "--max-jobs", n, "--max-queue-per-key", n],
    ...["--max-queue-per-client", n],
    // Every bench job is keyless, so all share the key "": its cap (default 4 running at once,
    // a fairness bound between tenants) would be the only thing sizing the node, where BullMQ
    // runs up to its concurrency. The pool sizes it instead.
    ...["--key-concurrency", "1000"],
  ]);
}

/** POSTs `body` as JSON; a status of 300 or more throws with the answer. */
export async function post(url: string, body: unknown): Promise<unknown> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status >= 300) throw new Error(`${url}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** A submission running beside the wait for its results: whether it ended, and how. */
export interface Sending {
  done: boolean;
  error?: unknown;
}

/** Tracks `p` as a {@linkcode Sending}. */
export function sending(p: Promise<unknown>): Sending {
  const s: Sending = { done: false };
  p.then(() => (s.done = true), (e) => Object.assign(s, { done: true, error: e ?? "rejected" }));
  return s;
}

function stalled(what: string, now: number, count: number, send?: Sending): Error {
  const state = send && !send.done ? "submission not finished" : "all submitted";
  return new Error(`lost jobs: ${now} of ${count} ${what}, none for ${STALL_MS} ms (${state})`);
}

/**
 * Waits until the queue has recorded `count` results and `send` (if given) has ended, throwing
 * its error; returns how many GETs that took (they are the script's, not the node's: the caller
 * takes them off the command count). It polls every 50 ms while `send` runs, every 2 ms after.
 */
export async function recordedAtLeast(
  link: RedisLink,
  count: number,
  send?: Sending,
): Promise<number> {
  let polls = 0;
  let last = -1;
  let since = Date.now();
  for (;;) {
    if (send?.error !== undefined) throw send.error;
    const now = Number(await link.send(["GET", "{workloom}:recorded"]) ?? 0);
    polls++;
    const sent = send === undefined || send.done;
    if (now >= count && sent) return polls;
    if (now !== last) [last, since] = [now, Date.now()];
    if (Date.now() - since > STALL_MS) throw stalled("recorded", now, count, send);
    await new Promise((r) => setTimeout(r, sent ? 2 : 50));
  }
}

/**
 * Throws unless the queue recorded exactly `count` results (none twice) and none of them is a
 * failure or a cancellation: with every submission accepted, each job succeeded once.
 */
export async function assertFinished(
  link: RedisLink,
  nodeUrl: string,
  count: number,
): Promise<void> {
  const recorded = Number(await link.send(["GET", "{workloom}:recorded"]));
  const bad: string[] = [];
  for (const status of ["failed", "cancelled"]) {
    const page = await (await fetch(`${nodeUrl}/jobs?status=${status}&limit=1`)).json() as {
      jobs: { id: string; error?: unknown }[];
    };
    if (page.jobs.length > 0) bad.push(`${status}: ${JSON.stringify(page.jobs[0])}`);
  }
  if (recorded !== count || bad.length > 0) {
    throw new Error(`${count} jobs sent, ${recorded} results recorded; ${bad.join("; ")}`);
  }
}

/** One round's figures. */
export interface Round {
  jobsPerS: number;
  commandsPerJob: number;
  bytesPerJob: number;
}

/** Each figure's median over `rounds`. */
export function medianRound(rounds: Round[]): Round {
  return {
    jobsPerS: median(rounds.map((r) => r.jobsPerS)),
    commandsPerJob: median(rounds.map((r) => r.commandsPerJob)),
    bytesPerJob: median(rounds.map((r) => r.bytesPerJob)),
  };
}

/**
 * One round through a fresh `serve --queue` node: `submit(nodeUrl)` sends `count` jobs, timed
 * from its start until the last result is recorded.
 */
export async function workloomRound(
  redis: BenchRedis,
  count: number,
  submit: (nodeUrl: string) => Promise<void>,
): Promise<Round> {
  await redis.flush();
  const node = await startServe(redis.url, 10 * count + 1_000);
  try {
    const c0 = await redis.commands();
    const m0 = await redis.usedMemory();
    const t0 = performance.now();
    const polls = await recordedAtLeast(redis.link, count, sending(submit(node.url)));
    const s = (performance.now() - t0) / 1000;
    const c1 = await redis.commands();
    const m1 = await redis.usedMemory();
    await assertFinished(redis.link, node.url, count);
    return {
      jobsPerS: count / s,
      commandsPerJob: (c1 - c0 - polls) / count,
      bytesPerJob: (m1 - m0) / count,
    };
  } finally {
    await node.stop();
  }
}

/** What a BullMQ round needs: its Queue's `add`/`addBulk` and its processor. */
export interface BullShape {
  count: number;
  concurrency: number;
  // deno-lint-ignore no-explicit-any
  processor: (job: any) => Promise<unknown>;
  // deno-lint-ignore no-explicit-any
  submit: (queue: any) => Promise<void>;
}

/** One round of BullMQ: one Worker of `shape.processor` inline on this thread. */
export async function bullmqRound(redis: BenchRedis, shape: BullShape): Promise<Round> {
  await redis.flush();
  const { Queue, Worker } = await import("bullmq");
  const made: unknown[] = [];
  const opts = async () => {
    made.push(await redis.bullConnection());
    // deno-lint-ignore no-explicit-any
    return { connection: made.at(-1) as any, prefix: redis.bullPrefix };
  };
  const name = `bench${shape.concurrency}`;
  const queue = new Queue(name, await opts());
  let done = 0;
  let failure: Error | undefined;
  let finished: () => void = () => {};
  const all = new Promise<void>((r) => (finished = r));
  const worker = new Worker(name, shape.processor, {
    ...await opts(),
    concurrency: shape.concurrency,
  });
  worker.on("completed", () => ++done === shape.count && finished());
  worker.on("failed", (_job, e) => {
    failure ??= e;
    finished();
  });
  try {
    await within(READY_MS, "BullMQ's Worker to be ready", worker.waitUntilReady());
    await within(READY_MS, "BullMQ's Queue to be ready", queue.waitUntilReady());
    const c0 = await redis.commands();
    const m0 = await redis.usedMemory();
    const t0 = performance.now();
    const send = sending(shape.submit(queue));
    let last = -1;
    let since = Date.now();
    while ((done < shape.count || !send.done) && failure === undefined) {
      if (send.error !== undefined) throw send.error;
      if (done !== last) [last, since] = [done, Date.now()];
      if (Date.now() - since > STALL_MS) throw stalled("BullMQ completed", done, shape.count, send);
      await Promise.race([all, new Promise((r) => setTimeout(r, 100))]);
    }
    if (failure) throw new Error(`a BullMQ job failed: ${failure.message}`);
    const s = (performance.now() - t0) / 1000;
    const c1 = await redis.commands();
    const m1 = await redis.usedMemory();
    return {
      jobsPerS: shape.count / s,
      commandsPerJob: (c1 - c0) / shape.count,
      bytesPerJob: (m1 - m0) / shape.count,
    };
  } finally {
    // A close that hangs must not hang the run: the clients are cut after READY_MS.
    await within(READY_MS, "BullMQ to close", Promise.all([worker.close(), queue.close()]))
      .catch((e) =>
        console.error(`${e.message} (concurrency ${shape.concurrency}); its clients were cut`)
      );
    for (const c of made as { disconnect?: () => void }[]) c.disconnect?.();
  }
}

/** `count` items in chunks of at most `size`, each made by `make(i)`. */
export function chunks<T>(count: number, size: number, make: (i: number) => T): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < count; i += size) {
    out.push(Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j)));
  }
  return out;
}
