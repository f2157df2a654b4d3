// No secret in any output: a real `workloom serve` process with a password-protected Redis
// (a real redis-server with requirepass) and a token, whose every output and readable route is
// searched for the password and the token, through an outage that makes it log errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { until, within } from "../fixtures/pool_helpers.ts";
import { startRedisProcess } from "../fixtures/redis_process.ts";
import { startServe } from "../fixtures/serve_process.ts";
import { call } from "../server/server_helpers.ts";

const PASSWORD = "pw-Secr3t-9d1e";
const TOKEN = "tok-Secr3t-77aa";

/** A redis-server that wants `PASSWORD`. */
const startRedisWithPassword = () => startRedisProcess({ password: PASSWORD });

function assertNoSecret(text: string, where: string): void {
  for (const secret of [PASSWORD, TOKEN]) {
    assert.ok(!text.includes(secret), `${where} shows a secret: ${text.slice(0, 2000)}`);
  }
}

test("the Redis password and the token appear in no output, route or error of a real server", async () => {
  const redis = await startRedisWithPassword();
  const dir = mkdtempSync(join(tmpdir(), "workloom-token-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const serve = await startServe([
    "--queue",
    `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
    "--token-file",
    tokenFile,
    "--drain-timeout",
    "1s",
  ]);
  try {
    // The queue's line follows the "listening at" line the start waited for.
    await until(() => /Redis queue at/.test(serve.stdout()), "the queue's line", 10_000);
    assert.match(serve.stdout(), new RegExp(`redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}`));
    assert.doesNotMatch(serve.stderr(), /warning/, "a token file earns no warning");
    const auth = { authorization: `Bearer ${TOKEN}` };
    const job = await call(`${serve.url}/jobs?wait=10000`, {
      json: { task: "echo", input: 1 },
      headers: auth,
    });
    assert.equal(job.body.result, 1, JSON.stringify(job.body));
    for (const path of ["/", "/metrics", "/openapi.json", "/nodes", "/tasks", "/jobs"]) {
      const res = await fetch(`${serve.url}${path}`, { headers: auth });
      assert.equal(res.status, 200, path);
      assertNoSecret(await res.text(), path);
    }
    const events = await fetch(`${serve.url}/dashboard/events`, { headers: auth });
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = (await reader.read()).value ?? "";
    await reader.cancel();
    assert.match(first, /event: snapshot/);
    assertNoSecret(first, "/dashboard/events");
    // An outage: the client's errors go to the log, with the URL it connects to.
    await redis.kill();
    await until(() => /Redis at/.test(serve.stderr()), "the outage being logged", 20_000);
    assert.match(serve.stderr(), /redis:\/\/:\*\*\*@/);
    process.kill(serve.pid, "SIGTERM");
    await within(serve.exited, 15_000, "the server exiting");
    assertNoSecret(serve.stdout() + serve.stderr(), "the output");
  } finally {
    await serve.kill();
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a wrong Redis password is logged masked while the server keeps trying", async () => {
  const redis = await startRedisWithPassword();
  const wrong = "wrong-Secr3t-0b";
  const serve = await startServe(
    ["--queue", `redis://default:${wrong}@127.0.0.1:${redis.port}`],
    { ready: /Redis at|cannot start/ },
  );
  try {
    const output = serve.stdout() + serve.stderr();
    assert.match(output, /redis:\/\/default:\*\*\*@127\.0\.0\.1/);
    assert.match(output, /WRONGPASS|NOAUTH|invalid password/i);
    assert.ok(!output.includes(wrong), output);
  } finally {
    await serve.kill();
    await redis.kill();
  }
});

test("--token on the command line works but warns that ps shows it; WORKLOOM_TOKEN does not warn", async () => {
  const flag = await startServe(["--token", TOKEN]);
  try {
    assert.match(flag.stderr(), /warning: --token puts the token on the command line/);
    const r = await call(`${flag.url}/tasks`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    assert.equal((await call(`${flag.url}/tasks`)).status, 401);
    assertNoSecret(flag.stdout() + flag.stderr(), "the output");
  } finally {
    await flag.kill();
  }
  const env = await startServe([], { env: { WORKLOOM_TOKEN: TOKEN } });
  try {
    assert.doesNotMatch(env.stderr(), /warning/);
    assert.equal((await call(`${env.url}/tasks`)).status, 401);
  } finally {
    await env.kill();
  }
});

test("--webhook-secret on the command line works but warns that ps shows it; WORKLOOM_WEBHOOK_SECRET does not warn", async () => {
  const secret = `whsec_${btoa("webhook-secret-0123456789abcdef")}`;
  const flag = await startServe(["--webhook-secret", secret]);
  try {
    assert.match(
      flag.stderr(),
      /warning: --webhook-secret puts the webhook secrets on the command line, .*WORKLOOM_WEBHOOK_SECRET/,
    );
    assert.ok(!flag.stderr().includes(secret.slice(6)), flag.stderr());
  } finally {
    await flag.kill();
  }
  const env = await startServe([], { env: { WORKLOOM_WEBHOOK_SECRET: secret } });
  try {
    assert.doesNotMatch(env.stderr(), /warning/);
    assert.equal((await call(`${env.url}/healthz`)).status, 200);
  } finally {
    await env.kill();
  }
});
