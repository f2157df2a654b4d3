/**
 * The Lua every script of the queue starts with: key names from the prefix (ARGV[1]), Redis's own
 * clock (so that every node agrees on times and delays), the consumer group that recreates
 * itself, and the helpers that put a job in the ready set and announce a change.
 *
 * @module
 */

/** Events kept in the events stream (approximately; it is trimmed as it grows). */
export const EVENTS_KEPT = 10_000;

/**
 * The shared prelude. `make_ready` keeps one sorted set per concurrency key (score: priority;
 * member: the zero-padded submission number and the id, so equal priorities keep submission
 * order) and the key's place in `turns`, the rotation between keys.
 */
export const PRELUDE = `
local P = ARGV[1]
local D = P .. ':dispatch'
local G = 'workers'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function job_key(id) return P .. ':job:' .. id end
-- After Redis lost its data (a restart without AOF) the group is gone and XREADGROUP, XACK and
-- XAUTOCLAIM fail with NOGROUP: create it again (BUSYGROUP, when it exists, is ignored).
local function ensure_group()
  redis.pcall('XGROUP', 'CREATE', D, G, '0', 'MKSTREAM')
end
local function emit(id, rev, kind, status)
  redis.call('XADD', P .. ':events', 'MAXLEN', '~', ${EVENTS_KEPT}, '*',
    'id', id, 'rev', rev, 'kind', kind, 'status', status)
end
local function make_ready(ckey, prio, member)
  redis.call('ZADD', P .. ':ready:' .. ckey, prio, member)
  -- A key new to the rotation scores 0, before every key served already: it is due next, as in
  -- the in-memory ReadyQueue, so an idle tenant waits at most one turn.
  redis.call('ZADD', P .. ':turns', 'NX', 0, ckey)
end
-- A counter in a hash that leaves the hash at zero.
local function bump(h, f, delta)
  if redis.call('HINCRBY', h, f, delta) <= 0 then redis.call('HDEL', h, f) end
end
-- The bytes of payloads (request, result, error, progress) this queue keeps: per job in its
-- hash's 'bytes' field, in all in P:bytes (the --max-store-bytes bound), and per concurrency key
-- and client in P:kbytes and P:cbytes (their shares of it). Every write of a payload goes
-- through these, so the counts are exact: the lengths are Redis's own.
local function add_bytes(jk, delta)
  if delta ~= 0 then
    redis.call('HINCRBY', jk, 'bytes', delta)
    redis.call('INCRBY', P .. ':bytes', delta)
    local t = redis.call('HMGET', jk, 'ckey', 'client')
    bump(P .. ':kbytes', t[1] or '', delta)
    if t[2] then bump(P .. ':cbytes', t[2], delta) end
  end
end
local function set_payload(jk, field, value)
  add_bytes(jk, #value - redis.call('HSTRLEN', jk, field))
  redis.call('HSET', jk, field, value)
end
local function drop_payload(jk, field)
  add_bytes(jk, -redis.call('HSTRLEN', jk, field))
  redis.call('HDEL', jk, field)
end
-- Queued and delayed jobs: in all (--max-queue), per concurrency key (--max-queue-per-key) and
-- per client (--max-queue-per-client). One hash each, under the prefix.
local function count_waiting(ckey, client, delta)
  redis.call('INCRBY', P .. ':waiting', delta)
  bump(P .. ':wkey', ckey or '', delta)
  if client and client ~= '' then bump(P .. ':wclient', client, delta) end
end
local function release_key(ckey)
  if redis.call('HINCRBY', P .. ':running', ckey, -1) <= 0 then
    redis.call('HDEL', P .. ':running', ckey)
  end
end
local function finish(jk, id, status, field, payload, now)
  local rev = redis.call('HINCRBY', jk, 'rev', 1)
  redis.call('HSET', jk, 'status', status, 'finishedAt', now)
  -- Set-if-absent: a result (or error) once recorded is never overwritten.
  if redis.call('HSETNX', jk, field, payload) == 1 then add_bytes(jk, #payload) end
  redis.call('HDEL', jk, 'entry', 'node')
  redis.call('ZADD', P .. ':finished', now, id)
  -- A job naming a webhook gets its delivery in the same step as its final state (webhooks.lua.ts).
  if redis.call('HEXISTS', jk, 'webhook') == 1 then redis.call('ZADD', P .. ':hooks', 'NX', now, id) end
  redis.call('INCR', P .. ':recorded')
  emit(id, rev, 'status', status)
end
local function promote(now, limit)
  local due = redis.call('ZRANGEBYSCORE', P .. ':delayed', '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(due) do
    redis.call('ZREM', P .. ':delayed', id)
    local jk = job_key(id)
    local h = redis.call('HMGET', jk, 'status', 'ckey', 'prio', 'member')
    if h[1] == 'delayed' then
      local rev = redis.call('HINCRBY', jk, 'rev', 1)
      redis.call('HSET', jk, 'status', 'queued')
      make_ready(h[2], h[3], h[4])
      emit(id, rev, 'status', 'queued')
    end
  end
  return #due
end
`;
