// A failover under load: a primary, a replica and redis-sentinel (real processes); two nodes on
// `redis+sentinel://…/wl` run jobs while a client keeps submitting; the primary is killed with
// SIGKILL. Sentinel promotes the replica, the nodes reconnect to it and finish every job it
// has, exactly once; /readyz answers 503 queue_unavailable while there is no primary and 200
// once there is one again; what asynchronous replication lost (submissions acknowledged by the
// old primary that never reached the replica) is measured and printed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { RedisJobs } from "../../redis.ts";
import { call } from "../server/server_helpers.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";
import { startSentinelSetup } from "./redis_sentinel.ts";

const JOBS = 300;

test(
  "a failover: the primary killed, Sentinel promotes the replica, the nodes reconnect, /readyz tells the truth meanwhile, and every job the new primary has ends exactly once",
  {
    timeout: 120_000,
  },
  async () => {
    const s = await startSentinelSetup();
    const log = join(scratch(), "log");
    const options = { prefix: "fo", claimIdleMs: 2000, pollMs: 50, commandTimeoutMs: 2000 };
    const big = { maxQueue: 10_000, maxJobs: 10_000, maxQueuePerKey: 10_000, log: () => {} };
    const a = await startNode(s.url, { ...options, nodeId: "a" }, big);
    const b = await startNode(s.url, { ...options, nodeId: "b" }, big);
    let streaming = true;
    const acknowledged: string[] = [];
    let refused = 0;
    const stream = (async () => {
      while (streaming) {
        const r = await call(`${b.url}/jobs`, { json: { task: "echo", input: "stream" } });
        if (r.status === 202) acknowledged.push(r.body.id);
        else if (r.status === 503) refused++;
        else assert.fail(`a submission got ${r.status}: ${JSON.stringify(r.body)}`);
      }
    })();
    try {
      const ids: string[] = [];
      for (let from = 0; from < JOBS; from += 100) {
        const batch = Array.from({ length: 100 }, (_, i) => ({
          task: "mark",
          input: { n: from + i, log, ms: 5 },
        }));
        // A batch Redis refused past its deadline (a loaded machine) wrote nothing: again.
        const sent = await until("the batch accepted", async () => {
          const r = await call(`${a.url}/jobs/batch`, { json: batch });
          if (r.status === 503) return undefined;
          assert.equal(r.status, 202, JSON.stringify(r.body));
          return r;
        });
        ids.push(...sent.body.map((j: { id: string }) => j.id));
      }
      const old = new RedisJobs(s.primary, "fo");
      await until("50 results", async () => {
        return Number(await s.primary.send(["GET", old.keys.recorded]) ?? 0) >= 50
          ? true
          : undefined;
      });
      const ackedBefore = acknowledged.length;
      await s.killPrimary();
      const killedAt = Date.now();

      // The truth meanwhile: no primary, so not ready, naming Redis.
      const down = await until("/readyz to answer 503", async () => {
        const r = await call(`${a.url}/readyz`);
        return r.status === 503 ? r : undefined;
      });
      assert.match(JSON.stringify(down.body), /queue_unavailable|Redis/);
      assert.equal(
        await s.masterPort(),
        s.primaryPort,
        "Sentinel failed over before the test saw it",
      );
      const up = await until("/readyz to answer 200 again", async () => {
        const r = await call(`${a.url}/readyz`);
        return r.status === 200 ? Date.now() : undefined;
      }, 60_000);
      assert.equal(await s.masterPort(), s.replicaPort, "ready again, but not on the new primary");
      // Ready means it: a submission through that node is accepted and runs on the new primary.
      const after = await call(`${a.url}/jobs?wait=10000`, {
        json: { task: "echo", input: "after" },
      });
      assert.equal(after.body.status, "succeeded", JSON.stringify(after.body));
      await until(
        "more submissions on the new primary",
        () => acknowledged.length > ackedBefore + 20 ? true : undefined,
      );
      streaming = false;
      await stream;

      const jobs = new RedisJobs(s.replica, "fo");
      const kept = await Promise.all(ids.map(async (id) => (await jobs.lookup(id)).state));
      assert.ok(
        kept.every((k) => k === "found"),
        "a job of the batch acknowledged long before is gone",
      );
      const all = (await s.replica.send(["ZRANGE", jobs.keys.jobs, 0, -1])) as string[];
      await until("every job on the new primary to end", async () => {
        const st = await Promise.all(
          all.map((id) => s.replica.send(["HGET", jobs.keys.job(id), "status"])),
        );
        return st.every((x) => x === "succeeded") ? true : undefined;
      }, 60_000);
      // Exactly once on the new primary's history: one recorded result per job, no more.
      assert.equal(Number(await s.replica.send(["GET", jobs.keys.recorded])), all.length);
      for (const [n, id] of ids.entries()) {
        assert.equal(await s.replica.send(["HGET", jobs.keys.job(id), "result"]), String(n));
      }
      const present = new Set(all);
      const lost = acknowledged.filter((id) => !present.has(id));
      console.log(
        `failover: /readyz 200 again ${up - killedAt} ms after the kill; ${acknowledged.length} ` +
          `submissions acknowledged, ${refused} refused with 503, ${lost.length} acknowledged by ` +
          "the old primary and lost with it",
      );
      // What can be lost is bounded by the window between the last replicated write and the kill.
      assert.ok(lost.length <= 5, `${lost.length} acknowledged submissions lost`);
    } finally {
      streaming = false;
      await stream.catch(() => {});
      await a.close();
      await b.close();
      await s.close();
    }
  },
);
