// SIGTERM to a real node process while its Redis is gone and a job runs: the drain is bounded
// (no Redis call on the way out waits past its deadline, recording gives up after a few tries),
// the process ends by itself, and the job it could not record is taken over by another node
// once Redis is back (AOF on), finishing with one recorded outcome.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { call } from "../server/server_helpers.ts";
import { startNodeProcess } from "./node_process.ts";
import { recorded, runtimeKey } from "./outage_helpers.ts";
import { scratch, until } from "./redis_helpers.ts";
import { startRedis } from "./redis_server.ts";

const DRAIN_MS = 2000;
// Recording (2 deadlines), closing the links (1) and the pool (1 s), on a loaded machine.
const GRACE_MS = 6000;

test(
  "SIGTERM with Redis down and a job running, --drain-timeout 2s: the node stops by itself within the drain plus a short grace, and its job is taken over by another node once Redis is back",
  { timeout: 120_000 },
  async () => {
    const redis = await startRedis({ aof: true });
    const dir = scratch();
    const gate = join(dir, "gate");
    const args = ["--redis-timeout", "500ms", "--claim-idle", "2s"];
    const node = await startNodeProcess(runtimeKey, redis.url, [
      ...args,
      "--drain-timeout",
      "2s",
      "--node-id",
      "leaving",
    ]);
    let other: Awaited<ReturnType<typeof startNodeProcess>> | undefined;
    try {
      const held = await call(`${node.url}/jobs`, { json: { task: "hold", input: { gate } } });
      await until("the held job to run", async () => {
        const r = await call(`${node.url}/jobs/${held.body.id}`);
        return r.body.status === "running" ? true : undefined;
      });
      await redis.stop({ kill: true });

      const exited = new Promise<number | string | null>((r) =>
        node.child.once("exit", (code, signal) => r(code ?? signal))
      );
      const t0 = performance.now();
      node.child.kill("SIGTERM");
      let bound: ReturnType<typeof setTimeout> | undefined;
      const code = await Promise.race([
        exited,
        new Promise<"alive">((r) => (bound = setTimeout(() => r("alive"), DRAIN_MS + GRACE_MS))),
      ]);
      clearTimeout(bound);
      const ms = performance.now() - t0;
      assert.notEqual(code, "alive", `still running ${ms} ms after SIGTERM:\n${node.output()}`);
      // It drained and stopped on its own (the exit code is the CLI's business, not this test's).
      assert.match(node.output(), /workloom serve: stopped/, `${code} after ${ms} ms`);

      // Back with its data: the job the leaving node could not record is another node's now.
      await redis.restart();
      const link = await redis.link();
      other = await startNodeProcess(runtimeKey, redis.url, [...args, "--node-id", "taking"]);
      writeFileSync(gate, "");
      const done = await until("the held job to be taken over and finish", async () => {
        const r = await call(`${other!.url}/jobs/${held.body.id}`);
        return r.body.status === "succeeded" ? r.body : undefined;
      }, 30_000);
      assert.equal(done.result, "released");
      assert.equal(await recorded(link), 1);
    } finally {
      await node.kill();
      await other?.stop();
      await redis.close();
    }
  },
);
