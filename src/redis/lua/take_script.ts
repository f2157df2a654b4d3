/**
 * The take script: chooses the next jobs fairly across every node and hands them to one node
 * through the consumer group, in one atomic step.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { COUNT_WAITING, EMIT, ENSURE_GROUP, NOW_MS, PROMOTE } from "./helpers.ts";
import { RATE_LIMITS } from "./rate_limit_lua.ts";

/**
 * A key whose next job its rate limits hold back is passed over (see rate_limit_lua.ts), so it
 * holds up no other key. Moves due delayed jobs to the ready set first, then
 * takes up to n jobs by turns between concurrency keys (least recently served key first; a key
 * that already runs keyConcurrency jobs on all nodes together is skipped; within a key, lowest
 * priority then submission order), appends one dispatch entry per job and reads exactly those
 * entries as `consumer` (XREADGROUP), so each sits in this node's pending list from the start.
 * Replies a flat list of (entry id, job id, request JSON, attempts, concurrency key).
 */
export const TAKE = LuaScript.of({
  name: "take",
  about: "chooses the next jobs fairly and hands them to one node through the group.",
  argv: [
    "consumer (the node id)",
    "n",
    "keyConcurrency",
    "the rate limits per concurrency key (JSON, see rate_limit_lua.ts)",
    "the rate limits per task (JSON)",
  ],
  keys: ["turns", "running", "turn"],
  derives: ["job", "ready"],
  helpers: [NOW_MS, ENSURE_GROUP, PROMOTE, COUNT_WAITING, EMIT, RATE_LIMITS],
  body: `
ensure_group()
local consumer, n, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
promote(now, 1000)
local turns, running = K.turns, K.running
local taken = 0
while taken < n do
  local keys = redis.call('ZRANGE', turns, 0, -1)
  local progressed = false
  for _, k in ipairs(keys) do
    if taken >= n then break end
    local rk = ready_key(k)
    if (k == '' or tonumber(redis.call('HGET', running, k) or '0') < limit) and rate_check(k, rk, now) == 0 then
      local m = redis.call('ZPOPMIN', rk)
      if m[1] then
        local id = string.sub(m[1], 18)
        local jk = job_key(id)
        local eid = redis.call('XADD', K.dispatch, '*', 'id', id)
        local rev = redis.call('HINCRBY', jk, 'rev', 1)
        redis.call('HINCRBY', jk, 'attempts', 1)
        redis.call('HSET', jk, 'status', 'running', 'entry', eid, 'node', consumer, 'startedAt', now)
        rate_started(k, id, now, eid)
        redis.call('HINCRBY', running, k, 1)
        count_waiting(k, redis.call('HGET', jk, 'client'), -1)
        emit(id, rev, 'status', 'running')
        redis.call('ZADD', turns, redis.call('INCR', K.turn), k)
        taken = taken + 1
        progressed = true
      end
      if redis.call('EXISTS', rk) == 0 then
        redis.call('ZREM', turns, k)
        redis.call('HDEL', K.rateWaiting, k)
      end
    end
  end
  if not progressed then break end
end
if taken == 0 then return {} end
local got = redis.call('XREADGROUP', 'GROUP', G, consumer, 'COUNT', taken, 'STREAMS', K.dispatch, '>')
local out = {}
if not got then return out end
for _, e in ipairs(got[1][2]) do
  local id = e[2][2]
  local h = redis.call('HMGET', job_key(id), 'request', 'attempts', 'ckey')
  out[#out + 1] = e[1]
  out[#out + 1] = id
  out[#out + 1] = h[1] or 'null'
  out[#out + 1] = h[2] or '0'
  out[#out + 1] = h[3] or ''
end
return out
`,
});
