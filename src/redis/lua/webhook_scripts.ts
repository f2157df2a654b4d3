/**
 * The webhook delivery scripts: claiming due deliveries under a lease, and recording an
 * attempt's outcome. A delivery is added in the same step as its job's final state (`finish`
 * in helpers.ts); a node that dies holding one lets its lease lapse, and any node claims it.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { NOW_MS } from "./helpers.ts";

/**
 * Takes up to n job ids due in `hooks` (score ≤ now), pushes each back by the lease, counts the
 * attempt in the job's `hookTries`, and replies per delivery: id, attempt, the `webhook` field,
 * and the job's fields (a list). An id whose job expired or is not final is dropped.
 */
export const HOOK_CLAIM = LuaScript.of({
  name: "hook_claim",
  about: "claims the webhook deliveries that are due, each under a lease.",
  argv: ["n (deliveries at most)", "leaseMs", "then the job hash fields to send"],
  keys: ["hooks"],
  derives: ["job"],
  helpers: [NOW_MS],
  body: `
local n, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', K.hooks, '-inf', now, 'LIMIT', 0, n)
local out = {}
for _, id in ipairs(due) do
  local jk = job_key(id)
  local h = redis.call('HMGET', jk, 'webhook', 'status')
  if not h[1] or (h[2] ~= 'succeeded' and h[2] ~= 'failed' and h[2] ~= 'cancelled') then
    redis.call('ZREM', K.hooks, id)
  else
    local attempt = redis.call('HINCRBY', jk, 'hookTries', 1)
    redis.call('ZADD', K.hooks, now + lease, id)
    out[#out + 1] = id
    out[#out + 1] = tostring(attempt)
    out[#out + 1] = h[1]
    out[#out + 1] = redis.call('HMGET', jk, unpack(fields))
  end
end
return out
`,
});

/**
 * Records only the current attempt (`hookTries` equal to it): an attempt whose lease lapsed and
 * was claimed again is ignored. Replies 1 (recorded) or 0.
 */
export const HOOK_RECORD = LuaScript.of({
  name: "hook_record",
  about: "records a webhook delivery attempt's outcome: over, or due again after a backoff.",
  argv: [
    "job id",
    "attempt",
    "the delivery's state (JSON)",
    "retry delay in ms ('' when the delivery is over)",
  ],
  keys: ["hooks"],
  derives: ["job"],
  helpers: [NOW_MS],
  body: `
local id, attempt, state, retry = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local jk = job_key(id)
if redis.call('HGET', jk, 'hookTries') ~= attempt then return 0 end
redis.call('HSET', jk, 'webhook', state)
if retry == '' then
  redis.call('ZREM', K.hooks, id)
else
  redis.call('ZADD', K.hooks, now_ms() + tonumber(retry), id)
end
return 1
`,
});
