// Two real nodes, one on Deno and one on Bun (child processes of `workloom serve --queue`), on
// whichever real Redis the test file gives: one redis-server (two_nodes_test.ts) or a Redis
// Cluster (cluster_nodes_test.ts). These tests start both runtimes whichever runs them, so each
// is registered under one runtime only, so that none runs twice: the crash, restart, fairness
// and poison tests under Deno, the Redis restart test under Bun.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { RedisJobs, type RedisLink } from "../../redis.ts";
import { call } from "../server/server_helpers.ts";
import { type NodeProcess, startNodeProcess } from "./node_process.ts";
import { scratch, starts, until } from "./redis_helpers.ts";

/** A Redis for one test: where it is, a link for the test's reads, and its end. */
export interface SomeRedis {
  url: string;
  link(): Promise<RedisLink>;
  close(): Promise<void>;
  /** Only a single redis-server: a crash (SIGKILL) and a restart. */
  stop?(options: { kill: boolean }): Promise<void>;
  restart?(): Promise<void>;
}

/** Starts a Redis for one test (`aof`: fsync every write). */
export type StartRedis = (options: { aof?: boolean }) => Promise<SomeRedis>;

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
// The per-tenant quotas are lifted too: these tests load the queue from one client, mostly
// without a key.
const BIG = [
  "--max-queue",
  "20000",
  "--max-jobs",
  "20000",
  "--max-queue-per-key",
  "20000",
  "--max-queue-per-client",
  "20000",
];
// Bun's default per-test timeout is 5 s; these tests bound their own waits with deadlines.
const LONG = { timeout: 120_000 };

/** Submits `count` jobs made by `make(i)` in batches of 1,000 to `url`; returns their ids. */
async function submitAll(url: string, count: number, make: (i: number) => unknown) {
  const ids: string[] = [];
  for (let from = 0; from < count; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - from) }, (_, i) => make(from + i));
    const r = await call(`${url}/jobs/batch`, { json: batch });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    ids.push(...r.body.map((j: { id: string }) => j.id));
  }
  return ids;
}

async function recorded(link: RedisLink): Promise<number> {
  return Number(await link.send(["GET", "{workloom}:recorded"]) ?? 0);
}

/** Status and result of every job, read straight from Redis. */
async function finalStates(link: RedisLink, ids: string[]) {
  return await Promise.all(
    ids.map(async (id) => {
      const [status, result, attempts] = (await link.send([
        "HMGET",
        `{workloom}:job:${id}`,
        "status",
        "result",
        "attempts",
      ])) as string[];
      return {
        status,
        result: result === null ? undefined : JSON.parse(result),
        attempts: Number(attempts),
      };
    }),
  );
}

async function pendingOf(link: RedisLink, consumer: string): Promise<number> {
  const rows = (await link.send(["XPENDING", "{workloom}:dispatch", "workers"])) as unknown[];
  const per = (rows[3] ?? []) as [string, string][];
  return Number(per.find(([name]) => name === consumer)?.[1] ?? 0);
}

async function withNodes(
  start: StartRedis,
  options: { aof?: boolean; args?: string[] },
  body: (
    c: { redis: SomeRedis; link: RedisLink; deno: NodeProcess; bun: NodeProcess; dir: string },
  ) => Promise<void>,
) {
  const redis = await start({ aof: options.aof });
  const nodes: NodeProcess[] = [];
  try {
    const link = await redis.link();
    const args = options.args ?? [];
    const deno = await startNodeProcess("deno", redis.url, ["--node-id", "deno-a", ...args]);
    nodes.push(deno);
    const bun = await startNodeProcess("bun", redis.url, ["--node-id", "bun-b", ...args]);
    nodes.push(bun);
    await body({ redis, link, deno, bun, dir: scratch() });
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.close();
  }
}

/**
 * Registers the two-node tests, named with `label` first, on the Redis `start` gives; the crash
 * test runs `jobs` jobs; the Redis restart test only with `restart`.
 */
export function twoNodesSuite(
  label: string,
  start: StartRedis,
  { jobs, restart }: { jobs: number; restart: boolean },
): void {
  if (isDeno) {
    test(
      `${label}${
        jobs.toLocaleString("en")
      } jobs on a Deno and a Bun node, the Bun node killed mid-run while it holds runs: every job has exactly one recorded result and one attempt (a takeover is not another), none is lost, its runs are taken over within 10 s, and a restarted node resumes the group`,
      LONG,
      async () => {
        await withNodes(
          start,
          { args: [...BIG, "--claim-idle", "2s"] },
          async ({ redis, link, deno, bun, dir }) => {
            const log = join(dir, "log");
            // The second half waits at a gate, opened after the kill: however fast the first
            // half runs, each node then holds runs it cannot finish, so the kill finds some.
            const gate = join(dir, "gate");
            const ids = await submitAll(
              deno.url,
              jobs,
              (n) =>
                n < jobs / 2
                  ? { task: "mark", input: { n, log } }
                  : { task: "markAtGate", input: { n, log, gate } },
            );
            await until(
              "a fifth of the results",
              async () => (await recorded(link)) >= jobs / 5 ? true : undefined,
              60_000,
            );
            // Killed while it holds runs: frozen (SIGSTOP) first, so that what it holds cannot
            // change between the read and the kill; let go again while it holds none.
            let held = 0;
            await until("the Bun node holding runs", async () => {
              // A node that ended holds nothing and never will: say why rather than time out.
              if (bun.child.exitCode !== null || bun.child.signalCode !== null) {
                throw new Error(`the Bun node ended before the kill: ${bun.output()}`);
              }
              bun.child.kill("SIGSTOP");
              held = await pendingOf(link, "bun-b");
              // Commands the node sent before it stopped (a finish that acknowledges runs) may
              // still land: read again until two reads 50 ms apart agree (CI once read 256 runs
              // held, then 243 after the kill).
              for (let again = held; held > 0; held = again) {
                await new Promise((r) => setTimeout(r, 50));
                again = await pendingOf(link, "bun-b");
                if (again === held) break;
              }
              if (held > 0) return true;
              bun.child.kill("SIGCONT");
              return undefined;
            }).catch(async (e) => {
              const done = await recorded(link);
              throw new Error(`${e.message} (${done} recorded); the Bun node: ${bun.output()}`);
            });
            await bun.kill();
            const killedAt = Date.now();
            assert.equal(await pendingOf(link, "bun-b"), held);
            writeFileSync(gate, "");
            await until(
              "the Bun node's runs taken over",
              async () => (await pendingOf(link, "bun-b")) === 0 ? true : undefined,
              10_000,
            );
            const takeoverMs = Date.now() - killedAt;
            assert.ok(takeoverMs <= 10_000, `taken over after ${takeoverMs} ms`);
            await until(
              "every result",
              async () => (await recorded(link)) >= jobs ? true : undefined,
              90_000,
            );
            assert.equal(await recorded(link), jobs);
            const states = await finalStates(link, ids);
            states.forEach((s, n) => {
              assert.equal(s.status, "succeeded", `job ${n}`);
              assert.equal(s.result, n);
              // A run taken over from the killed node is the same attempt, not another one.
              assert.equal(s.attempts, 1, `job ${n}'s attempts`);
            });
            const runs = starts(readFileSync(log, "utf8"));
            for (let n = 0; n < jobs; n++) {
              assert.ok((runs.get(n) ?? 0) >= 1, `job ${n} never ran`);
            }
            console.log(
              `killed with ${held} runs pending, taken over in ${takeoverMs} ms; ` +
                `${[...runs.values()].reduce((a, b) => a + b, 0) - jobs} runs repeated`,
            );

            // The same node id comes back and takes work from the group again.
            const again = await startNodeProcess("bun", redis.url, ["--node-id", "bun-b", ...BIG]);
            try {
              // They wait at a gate until the restarted node holds some: near-instant jobs could
              // all be run by the node they were submitted to before the other took any (CI saw
              // that), while a node holds at most two windows of gated ones.
              const gate2 = join(dir, "gate2");
              const more = await submitAll(
                deno.url,
                1000,
                () => ({ task: "pidAtGate", input: { gate: gate2 } }),
              );
              await until(
                "the restarted node holding runs",
                async () => (await pendingOf(link, "bun-b")) > 0 ? true : undefined,
                30_000,
              );
              writeFileSync(gate2, "");
              const pids = await until("the 1,000 jobs", async () => {
                const s = await finalStates(link, more);
                return s.every((x) => x.status === "succeeded")
                  ? s.map((x) => x.result)
                  : undefined;
              }, 30_000);
              assert.ok(pids.includes(again.pid), "the restarted node ran none of the jobs");
            } finally {
              await again.stop();
            }
          },
        );
      },
    );

    test(
      label +
        "fairness per concurrency key holds across nodes: a 10-job tenant is not held up by a 300-job flood, and no key runs more than its limit on all nodes together",
      LONG,
      async () => {
        // The flood's 300 jobs come in one batch: lift its key's share of the queue (250).
        const args = ["--key-concurrency", "2", "--max-queue-per-key", "1000"];
        await withNodes(start, { args }, async ({ link, deno, bun, dir }) => {
          const log = join(dir, "log");
          const flood = await submitAll(deno.url, 300, (n) => ({
            task: "mark",
            concurrencyKey: "flood",
            input: { n, log, key: "flood", ms: 5 },
          }));
          const small = await submitAll(bun.url, 10, (n) => ({
            task: "mark",
            concurrencyKey: "small",
            input: { n: 1000 + n, log, key: "small", ms: 5 },
          }));
          await until("every job", async () => {
            const s = await finalStates(link, [...flood, ...small]);
            return s.every((x) => x.status === "succeeded") ? true : undefined;
          }, 60_000);
          const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
          const running = new Map<string, number>();
          const most = new Map<string, number>();
          let floodEnded = 0;
          let floodEndedWhenSmallDone = -1;
          let smallEnded = 0;
          for (const line of lines) {
            const [what, , key] = line.split(" ");
            const now = (running.get(key) ?? 0) + (what === "start" ? 1 : -1);
            running.set(key, now);
            most.set(key, Math.max(most.get(key) ?? 0, now));
            if (what === "end" && key === "flood") floodEnded++;
            if (what === "end" && key === "small" && ++smallEnded === 10) {
              floodEndedWhenSmallDone = floodEnded;
            }
          }
          assert.ok(most.get("flood")! <= 2, `flood ran ${most.get("flood")} at once`);
          assert.ok(most.get("small")! <= 2, `small ran ${most.get("small")} at once`);
          assert.ok(
            floodEndedWhenSmallDone >= 0 && floodEndedWhenSmallDone < 100,
            `the small tenant finished after ${floodEndedWhenSmallDone} flood jobs`,
          );
        });
      },
    );

    test(
      label + "a job that kills every node that runs it ends in the dead-letter stream",
      LONG,
      async () => {
        await withNodes(
          start,
          // Threads: the poison task kills the process it runs in, which must be the node (under
          // the process profile, Deno's default, it would kill only its task process).
          { args: ["--claim-idle", "1s", "--max-deliveries", "1", "--isolation", "thread"] },
          async ({ link, deno, bun }) => {
            const sent = await call(`${deno.url}/jobs`, { json: { task: "die", input: null } });
            const id = sent.body.id;
            const jobs = new RedisJobs(link, "workloom");
            const job = await until("the job to fail", async () => {
              const j = await jobs.lookup(id);
              return j.state === "found" && j.job.status === "failed" ? j.job : undefined;
            }, 30_000);
            assert.equal(job.error?.name, "PoisonJobError");
            assert.deepEqual(await jobs.deadLetters(), [id]);
            const dead = [deno, bun].filter((n) =>
              n.child.signalCode === "SIGKILL" || n.child.exitCode !== null
            );
            assert.equal(dead.length, 1, "exactly one node ran the poison job");
          },
        );
      },
    );
  } else if (restart) {
    test(
      label +
        "a Redis restart with AOF on is survived: every job of a run in flight ends with exactly one recorded result",
      LONG,
      async () => {
        await withNodes(
          start,
          { aof: true, args: [...BIG, "--claim-idle", "2s"] },
          async ({ redis, link, deno, dir }) => {
            const log = join(dir, "log");
            const ids = await submitAll(
              deno.url,
              3000,
              (n) => ({ task: "mark", input: { n, log } }),
            );
            await until(
              "500 results",
              async () => (await recorded(link)) >= 500 ? true : undefined,
              60_000,
            );
            // A crash, not a clean shutdown: with appendfsync always every acknowledged write is on disk.
            await redis.stop!({ kill: true });
            await redis.restart!();
            const fresh = await redis.link();
            await until(
              "every result",
              async () => (await recorded(fresh)) >= 3000 ? true : undefined,
              60_000,
            );
            assert.equal(await recorded(fresh), 3000);
            const states = await finalStates(fresh, ids);
            states.forEach((s, n) => {
              assert.equal(s.status, "succeeded", `job ${n}`);
              assert.equal(s.result, n);
              // A run taken over from the killed node is the same attempt, not another one.
              assert.equal(s.attempts, 1, `job ${n}'s attempts`);
            });
          },
        );
      },
    );
  }
}
