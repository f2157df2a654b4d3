/**
 * The take script: chooses the next jobs fairly across every node and hands them to one node
 * through the consumer group, in one atomic step.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { BUMP_ALL, EMIT_MANY, IN_GROUP, NOW_MS, PROMOTE, TALLY } from "./helpers.ts";
import { RATE_LIMITS } from "./rate_limit_lua.ts";

/**
 * Moves due delayed jobs to the ready set first, then takes up to n jobs by turns between
 * concurrency keys (least recently served key first; a key that already runs keyConcurrency jobs
 * on all nodes together is skipped; within a key, lowest priority then submission order),
 * appends one dispatch entry per job and reads exactly those entries as `consumer` (XREADGROUP),
 * so each sits in this node's pending list from the start.
 *
 * Keys without rate limits are served in one pass: the turns each key gets are counted first
 * (one job per key per round, as many rounds as it takes), then each key's jobs are popped at
 * once, and the counters, the rotation and the events are written once for the whole take. A
 * key whose jobs have rate limits (its own, its tasks', a job's own) is passed over by that pass
 * at its first limited job and served one job at a time after it, each checked against its
 * windows (see rate_limit_lua.ts), so it holds up no other key.
 * Replies a flat list of (entry id, job id, request JSON, attempts, concurrency key), then one
 * last element: '1' when the take left no key in the rotation (no job is ready on any key, none
 * held back by its key's limits), else '0'. A node told '1' need not take again until a job is
 * queued or its next poll (which promotes delayed jobs).
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
  keys: ["turns", "running", "turn", "waiting", "wkey", "wclient", "rateWaiting"],
  derives: ["job", "ready"],
  helpers: [NOW_MS, IN_GROUP, PROMOTE, TALLY, BUMP_ALL, EMIT_MANY, RATE_LIMITS],
  body: `
local consumer, n, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
promote(now, 1000)
local turns = K.turns
local taken = 0
local base, running_d, waiting_d, client_d, ev, picked, served = {}, {}, {}, {}, {}, {}, {}
local function running_of(k)
  if base[k] == nil then base[k] = tonumber(redis.call('HGET', K.running, k) or '0') end
  return base[k] + (running_d[k] or 0)
end
-- What a take reads of job id.
local function head_of(id)
  return redis.call('HMGET', job_key(id), 'rev', 'attempts', 'request', 'client', 'rate')
end
-- Hands job id of key k (h: its head_of) to this node: its state and dispatch entry now, the
-- counts and events with the others at the end.
local function take_one(k, id, h)
  local eid = redis.call('XADD', K.dispatch, '*', 'id', id)
  local rev, attempts = tonumber(h[1] or '0') + 1, tonumber(h[2] or '0') + 1
  redis.call('HSET', job_key(id), 'rev', rev, 'attempts', attempts, 'status', 'running',
    'entry', eid, 'node', consumer, 'startedAt', now)
  tally(running_d, k, 1)
  tally(waiting_d, k, -1)
  if h[4] then tally(client_d, h[4], -1) end
  add_event(ev, id, rev, 'status', 'running')
  picked[eid] = {id, h[3] or 'null', tostring(attempts), k}
  taken = taken + 1
  return eid
end
local keys = redis.call('ZRANGE', turns, 0, -1)
local limited = next(RATE_KEYS) ~= nil or next(RATE_TASKS) ~= nil
-- The one pass: how many jobs each key may give (ready, and under keyConcurrency; none for a
-- key with rate limits), then its share by rounds of one job per key, in turn order.
local room, size = {}, {}
for i, k in ipairs(keys) do
  local free = n
  if k ~= '' then free = limit - running_of(k) end
  if RATE_KEYS[k] or next(RATE_TASKS) ~= nil then free = 0 end
  if free > 0 then
    size[i] = redis.call('ZCARD', ready_key(k))
    free = math.min(free, n, size[i])
  end
  room[i] = math.max(0, free)
end
local share = {}
local left = n
while left > 0 do
  local any = false
  for i = 1, #keys do
    if left == 0 then break end
    if (share[i] or 0) < room[i] then
      share[i] = (share[i] or 0) + 1
      left = left - 1
      any = true
    end
  end
  if not any then break end
end
local slow = false
-- Keys that leave the rotation in this take: all of them means no job is ready anywhere.
local removed = 0
local lists, most = {}, 0
for i, k in ipairs(keys) do
  local list = {}
  lists[i] = list
  if (share[i] or 0) > 0 then
    local rk = ready_key(k)
    local popped = redis.call('ZPOPMIN', rk, share[i])
    for j = 1, #popped, 2 do
      local id = string.sub(popped[j], 18)
      local h = head_of(id)
      -- A job with a rate limit of its own waits, with those after it, for the turns below.
      if h[5] then
        local back = {}
        for r = j, #popped, 2 do
          back[#back + 1] = popped[r + 1]
          back[#back + 1] = popped[r]
        end
        redis.call('ZADD', rk, unpack(back))
        slow = true
        break
      end
      list[#list + 1] = {id, h}
    end
    if #list > most then most = #list end
    -- Emptied: the key leaves the rotation.
    if #list > 0 then served[#served + 1] = {k, #list, i, #list == size[i]} end
  end
end
-- Handed out in the order of the rounds, so that the node starts them in that order too.
for r = 1, most do
  for i, k in ipairs(keys) do
    local job = lists[i][r]
    if job then take_one(k, job[1], job[2]) end
  end
end
-- The rotation as the rounds left it (the key served last goes last); a key left without
-- ready jobs leaves it.
table.sort(served, function(a, b) return a[2] < b[2] or (a[2] == b[2] and a[3] < b[3]) end)
local z = {}
for j, s in ipairs(served) do
  if s[4] then
    redis.call('ZREM', turns, s[1])
    redis.call('HDEL', K.rateWaiting, s[1])
    removed = removed + 1
  else
    z[#z + 1] = j
    z[#z + 1] = s[1]
  end
end
-- One key alone has no turn to take from another: its place is left as it is.
if #z > 0 and #keys > 1 then
  local t = redis.call('INCRBY', K.turn, #served) - #served
  for j = 1, #z, 2 do z[j] = t + z[j] end
  redis.call('ZADD', turns, unpack(z))
end
-- Then keys with rate limits, one job at a time, by turns.
if limited or slow then
  while taken < n do
    local progressed = false
    for _, k in ipairs(redis.call('ZRANGE', turns, 0, -1)) do
      if taken >= n then break end
      local rk = ready_key(k)
      if (k == '' or running_of(k) < limit) and rate_check(k, rk, now) == 0 then
        local m = redis.call('ZPOPMIN', rk)
        if m[1] then
          local id = string.sub(m[1], 18)
          rate_started(k, id, now, take_one(k, id, head_of(id)))
          redis.call('ZADD', turns, redis.call('INCR', K.turn), k)
          progressed = true
        end
        if redis.call('EXISTS', rk) == 0 then
          redis.call('ZREM', turns, k)
          redis.call('HDEL', K.rateWaiting, k)
          removed = removed + 1
        end
      end
    end
    if not progressed then break end
  end
end
local drained = '0'
if removed == #keys then drained = '1' end
if taken == 0 then return {drained} end
bump_all(K.running, running_d)
redis.call('INCRBY', K.waiting, -taken)
bump_all(K.wkey, waiting_d)
bump_all(K.wclient, client_d)
emit_all(ev)
local got = in_group('XREADGROUP', 'GROUP', G, consumer, 'COUNT', taken, 'STREAMS', K.dispatch, '>')
local out = {}
if not got then return {drained} end
for _, e in ipairs(got[1][2]) do
  local p = picked[e[1]]
  if not p then
    local id = e[2][2]
    local h = redis.call('HMGET', job_key(id), 'request', 'attempts', 'ckey')
    p = {id, h[1] or 'null', h[2] or '0', h[3] or ''}
  end
  out[#out + 1] = e[1]
  out[#out + 1] = p[1]
  out[#out + 1] = p[2]
  out[#out + 1] = p[3]
  out[#out + 1] = p[4]
end
out[#out + 1] = drained
return out
`,
});
