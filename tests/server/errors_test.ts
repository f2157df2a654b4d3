import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { call, startServer } from "./server_helpers.ts";

/** Every error answer has this shape and never a stack. */
function assertErrorShape(r: { status: number; body: unknown }, what: string): void {
  const body = r.body as { error?: { code?: unknown; message?: unknown } };
  assert.equal(typeof body?.error?.code, "string", `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(typeof body.error!.message, "string", what);
  assert.doesNotMatch(String(body.error!.message), /\bat .*:\d+:\d+/, `${what}: a stack leaked`);
}

test("with a token, every route but the probes answers 401 without a valid bearer token", async () => {
  const s = await startServer({ token: "s3cret-token" });
  try {
    const routes: [string, string][] = [
      ["POST", "/jobs"],
      ["POST", "/jobs/batch"],
      ["GET", "/jobs"],
      ["GET", "/jobs/x"],
      ["DELETE", "/jobs/x"],
      ["GET", "/jobs/x/events"],
      ["GET", "/tasks"],
      ["GET", "/openapi.json"],
      ["GET", "/nope"],
    ];
    for (
      const auth of [
        undefined,
        "Bearer wrong",
        "Bearer s3cret-toke",
        "Basic s3cret-token",
        "Bearer",
      ]
    ) {
      for (const [method, path] of routes) {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (auth) headers.authorization = auth;
        const r = await call(`${s.url}${path}`, {
          method,
          headers,
          body: method === "POST" ? "{}" : undefined,
        });
        assert.equal(r.status, 401, `${method} ${path} with ${auth}`);
        assertErrorShape(r, path);
      }
    }
    assert.equal((await call(`${s.url}/healthz`)).status, 200);
    assert.equal((await call(`${s.url}/readyz`)).status, 200);
    const ok = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "echo", input: 1 },
      headers: { authorization: "Bearer s3cret-token" },
    });
    assert.equal(ok.status, 200);
  } finally {
    await s.close();
  }
});

test("CORS is off unless origins are given", async () => {
  const off = await startServer();
  const on = await startServer({ cors: ["https://app.example"] });
  try {
    const headers = { origin: "https://app.example" };
    assert.equal(
      (await call(`${off.url}/healthz`, { headers })).headers.get("access-control-allow-origin"),
      null,
    );
    assert.equal(
      (await call(`${on.url}/healthz`, { headers })).headers.get("access-control-allow-origin"),
      "https://app.example",
    );
  } finally {
    await off.close();
    await on.close();
  }
});

test("a body over --max-body answers 413, even when streamed without a length", async () => {
  const s = await startServer({ maxBody: 1024 });
  try {
    const big = JSON.stringify({ task: "echo", input: "x".repeat(2000) });
    const r = await call(`${s.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, "body_too_large");
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 256) c.enqueue(bytes.slice(i, i + 256));
        c.close();
      },
    });
    const streamed = await call(`${s.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.status, 413);
    const small = await call(`${s.url}/jobs`, { json: { task: "echo", input: "ok" } });
    assert.equal(small.status, 202);
  } finally {
    await s.close();
  }
});

test("a body that is not application/json answers 415", async () => {
  const s = await startServer();
  try {
    for (
      const type of [
        undefined,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
      ]
    ) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const r = await call(`${s.url}/jobs`, {
        method: "POST",
        headers,
        body: '{"task":"echo","input":1}',
      });
      assert.equal(r.status, 415, String(type));
      assert.equal(r.body.error.code, "unsupported_media_type");
    }
  } finally {
    await s.close();
  }
});

test("a full job queue answers 429 with Retry-After", async () => {
  // The per-key and per-client quotas (a share of maxQueue by default) are lifted: this is the
  // whole queue's bound.
  const s = await startServer({
    maxQueue: 2,
    maxQueuePerKey: 2,
    maxQueuePerClient: 2,
    concurrency: 1,
  });
  try {
    await call(`${s.url}/jobs`, { json: { task: "sleep", input: 60_000 } });
    // The first job left the queue for the pool; two more fill the queue.
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await call(`${s.url}/jobs`, { json: { task: "echo", input: i } })).status);
    }
    assert.deepEqual(statuses, [202, 202, 429]);
    const r = await call(`${s.url}/jobs/batch`, { json: [{ task: "echo", input: 1 }] });
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, "queue_full");
    assert.equal(r.headers.get("retry-after"), "1");
  } finally {
    await s.close();
  }
});

test("a full job store answers 429 with Retry-After until finished jobs expire", async () => {
  // Tenants' shares lifted (by their share of the queue): this is the whole store's bound.
  const s = await startServer({
    maxJobs: 2,
    jobTtlMs: 30_000,
    maxQueuePerKey: 1000,
    maxQueuePerClient: 1000,
  });
  try {
    await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
    await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: 2 } });
    const r = await call(`${s.url}/jobs`, { json: { task: "echo", input: 3 } });
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, "store_full");
    const after = Number(r.headers.get("retry-after"));
    assert.ok(after >= 1 && after <= 30, `Retry-After ${after}`);
  } finally {
    await s.close();
  }
});

/** Requests no client should send; each must get a 4xx JSON error and never a 5xx. */
function hostileRequests(): { what: string; init: RequestInit; path?: string }[] {
  const json = (
    body: string,
    path = "/jobs",
  ): { what: string; init: RequestInit; path?: string } => ({
    what: `${path} ${body.slice(0, 40)}`,
    path,
    init: { method: "POST", headers: { "content-type": "application/json" }, body },
  });
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  const bodies = [
    "",
    "{",
    '{"task":',
    '{"task":"echo","input":',
    '{"task":"echo","input":1',
    "null",
    "true",
    "42",
    '"echo"',
    "[]",
    "{}",
    '{"task":1,"input":1}',
    '{"task":null,"input":1}',
    '{"task":"","input":1}',
    `{"task":"${"e".repeat(5000)}","input":1}`,
    '{"task":["echo"],"input":1}',
    '{"task":"echo","priority":"1"}',
    '{"task":"echo","priority":1.5}',
    '{"task":"echo","priority":1e308}',
    '{"task":"echo","priority":-1e308}',
    '{"task":"echo","timeoutMs":0}',
    '{"task":"echo","timeoutMs":1e20}',
    '{"task":"echo","delayMs":-1}',
    '{"task":"echo","delayMs":99999999999999}',
    '{"task":"echo","attempts":0}',
    '{"task":"echo","attempts":1000}',
    '{"task":"echo","backoffMs":-5}',
    '{"task":"echo","weight":-1}',
    '{"task":"echo","weight":"heavy"}',
    '{"task":"echo","concurrencyKey":""}',
    '{"task":"echo","concurrencyKey":7}',
    '{"task":"echo","stage":{}}',
    '{"task":"echo","__proto__":{"admin":true}}',
    '{"task":"echo","constructor":{"prototype":{}}}',
    '{"__proto__":{"task":"echo"}}',
    '{"task":"__proto__","input":1}',
    '{"task":"constructor","input":1}',
    '{"task":"toString","input":1}',
    '{"task":"valueOf","input":1}',
    '{"task":"../../etc/passwd","input":1}',
    '{"task":"file:///etc/passwd","input":1}',
    `{"task":"echo","input":${deep(100)}}`,
    `{"task":"echo","input":${deep(100_000)}}`,
    `{"task":"echo","input":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}`,
    '{"task":"echo","input":1,"extra":1}',
    '{"task":"echo","input":1}garbage',
    "\u0000\u0001\u0002",
    "\ufeff{}",
    '{"task":"echo","input":1,"task":3}',
    '{"task":"echo","input":NaN}',
    '{"task":"echo","input":Infinity}',
    "[".repeat(10_000),
  ];
  const out = bodies.map((b) => json(b));
  out.push(
    json("{}", "/jobs/batch"),
    json("[{}]", "/jobs/batch"),
    json(`[${"1,".repeat(2000)}1]`, "/jobs/batch"),
  );
  out.push(
    json(
      JSON.stringify(Array.from({ length: 1001 }, () => ({ task: "echo", input: 1 }))),
      "/jobs/batch",
    ),
  );
  out.push(json('{"task":"echo","input":1}', "/jobs?wait=abc"));
  out.push(json('{"task":"echo","input":1}', "/jobs?wait=1e5"));
  out.push({ what: "GET /jobs?limit=-1", path: "/jobs?limit=-1", init: {} });
  out.push({ what: "GET /jobs?status[]=x", path: "/jobs?status[]=x&status=y", init: {} });
  out.push({ what: "GET long id", path: `/jobs/${"a".repeat(500)}`, init: {} });
  out.push({ what: "GET %00 id", path: "/jobs/%00", init: {} });
  out.push({ what: "GET bad escape", path: "/jobs/%E0%A4%A", init: {} });
  out.push({ what: "PUT /jobs", path: "/jobs", init: { method: "PUT", body: "{}" } });
  out.push({ what: "PATCH /jobs/x", path: "/jobs/x", init: { method: "PATCH" } });
  out.push({
    what: "events with junk Last-Event-ID",
    path: "/jobs/x/events",
    init: { headers: { "last-event-id": "-1e999" } },
  });
  out.push({
    what: "huge Idempotency-Key",
    path: "/jobs",
    init: {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "k".repeat(1000) },
      body: '{"task":"echo","input":1}',
    },
  });
  return out;
}

test("at least 50 hostile requests each get a 4xx JSON error and the server keeps serving", async () => {
  const s = await startServer({ maxBody: 256 * 1024 });
  try {
    const requests = hostileRequests();
    assert.ok(requests.length >= 50, `${requests.length} requests`);
    for (const { what, path, init } of requests) {
      const r = await call(`${s.url}${path ?? "/jobs"}`, init);
      assert.ok(
        r.status >= 400 && r.status < 500,
        `${what}: ${r.status} ${JSON.stringify(r.body)}`,
      );
      assertErrorShape(r, what);
    }
    assert.equal((await call(`${s.url}/healthz`)).status, 200);
    const ok = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "echo", input: "still here" },
    });
    assert.equal(ok.body.result, "still here");
  } finally {
    await s.close();
  }
});

test("generated bodies and headers never get a 5xx (fast-check against the live server)", async () => {
  const s = await startServer({ maxQueue: 100_000 });
  try {
    const task = fc.oneof(
      fc.constantFrom("echo", "fail", "nope", "__proto__", "constructor"),
      fc.string(),
    );
    const field = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue(),
    );
    const body = fc.oneof(
      fc.record({ task, input: fc.jsonValue() }, { requiredKeys: ["task"] }),
      fc.record({
        task,
        input: fc.jsonValue(),
        priority: field,
        timeoutMs: field,
        delayMs: field,
        attempts: field,
        weight: field,
        concurrencyKey: field,
      }, { requiredKeys: [] }),
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()),
    );
    const text = fc.oneof(
      body.map((b) => JSON.stringify(b)),
      fc.tuple(body, fc.nat()).map(([b, n]) => {
        const t = JSON.stringify(b) ?? "";
        return t.slice(0, n % (t.length + 1));
      }),
      fc.string(),
    );
    const headers = fc.record({
      "content-type": fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "",
      ),
      "idempotency-key": fc.oneof(fc.constant(undefined), fc.string({ maxLength: 300 })),
      path: fc.constantFrom("/jobs", "/jobs/batch", "/jobs?wait=0", "/jobs?wait=x"),
    }, { requiredKeys: ["content-type", "path"] });
    await fc.assert(
      fc.asyncProperty(text, headers, async (payload, h) => {
        const hdrs: Record<string, string> = {};
        if (h["content-type"]) hdrs["content-type"] = h["content-type"];
        // fetch refuses header values with control characters itself: those cannot reach us.
        const key = h["idempotency-key"];
        if (key !== undefined && /^[\x20-\x7e]*$/.test(key)) hdrs["idempotency-key"] = key;
        const r = await call(`${s.url}${h.path}`, { method: "POST", headers: hdrs, body: payload });
        if (r.status >= 400) assertErrorShape(r, payload);
        return r.status < 500;
      }),
      { numRuns: 150 },
    );
    assert.equal((await call(`${s.url}/healthz`)).status, 200);
  } finally {
    await s.close();
  }
});
