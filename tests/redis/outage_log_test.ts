// The outage log on a clock the test moves: one line when an outage starts, at most one summary
// per period while it lasts however many errors come, one line when it ends; errors that are
// not about reaching Redis are logged as they come.
import assert from "node:assert/strict";
import { test } from "node:test";
import { QueueUnavailableError } from "../../server.ts";
import { OutageLog } from "../../src/redis/outage_log.ts";

test("an outage of 25 s with 1,000 errors is told in 4 lines: start, two summaries, end", () => {
  const lines: string[] = [];
  let now = 0;
  const log = new OutageLog((e) => lines.push(String((e as Error)?.message ?? e)), {
    what: "Redis at x",
    everyMs: 10_000,
    now: () => now,
  });
  log.health("Redis did not answer EVALSHA within 500 ms");
  for (let i = 0; i < 1000; i++) {
    now += 25;
    log.error(new QueueUnavailableError("Redis is unreachable: ECONNREFUSED"));
  }
  log.health(undefined);
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(lines[0], /out of reach: Redis did not answer EVALSHA/);
  assert.match(lines[1], /still out of reach after 10 s/);
  assert.match(lines[2], /still out of reach after 20 s/);
  assert.match(lines[3], /answers again after 25 s \(1000 errors held back\)/);
  // Outside an outage, another error is logged at once.
  log.error(new TypeError("a script's own error"));
  assert.equal(lines.length, 5);
  assert.match(lines[4], /a script's own error/);
});

test("an unreachable error outside a known outage starts one", () => {
  const lines: unknown[] = [];
  const log = new OutageLog((e) => lines.push(e), { what: "Redis at x", now: () => 0 });
  log.error(new QueueUnavailableError("Redis is unreachable: ECONNRESET"));
  log.error(new QueueUnavailableError("Redis is unreachable: ECONNRESET"));
  assert.equal(log.down, true);
  assert.equal(lines.length, 1);
});
