import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createPool } from "../../mod.ts";
import { createServer } from "../../server.ts";
import { type ServerTasks, serverTasksUrl } from "./server_helpers.ts";

test("createServer's app mounts in a user's Hono app, with statusUrl under the mount path", async () => {
  const pool = createPool<ServerTasks>(serverTasksUrl, {
    maxWorkers: 1,
    minWorkers: 1,
    autotune: false,
  });
  // Mounted under the user's own name: without a token, that name must be allowed (DNS
  // rebinding), and the requests carry it in Host as a runtime's server would.
  const server = await createServer(pool, { allowedHosts: ["x"] });
  try {
    const app = new Hono();
    app.get("/", (c) => c.text("mine"));
    app.route("/api", server.app);
    const post = await app.fetch(
      new Request("http://x/api/jobs?wait=10000", {
        method: "POST",
        headers: { "content-type": "application/json", host: "x" },
        body: JSON.stringify({ task: "echo", input: "mounted" }),
      }),
    );
    const job = await post.json();
    assert.equal(post.status, 200);
    assert.equal(job.statusUrl, `/api/jobs/${job.id}`);
    const read = await app.fetch(
      new Request(`http://x${job.statusUrl}`, { headers: { host: "x" } }),
    );
    assert.equal((await read.json()).result, "mounted");
    assert.equal(await (await app.fetch(new Request("http://x/"))).text(), "mine");
  } finally {
    await server.close();
    await pool.close();
  }
});

test("createServer validates its options, naming the option", async () => {
  const pool = createPool<ServerTasks>(serverTasksUrl, {
    maxWorkers: 1,
    minWorkers: 1,
    autotune: false,
  });
  try {
    await assert.rejects(createServer(pool, { maxQueue: 0 }), /'maxQueue' must be from 1/);
    await assert.rejects(
      createServer(pool, { keepAliveMs: 6000 }),
      /'keepAliveMs' must be from 1 to 5000/,
    );
    await assert.rejects(createServer(pool, { maxBody: 1.5 }), TypeError);
    await assert.rejects(createServer(pool, { token: "two words" }), /'token'/);
  } finally {
    await pool.close();
  }
});
