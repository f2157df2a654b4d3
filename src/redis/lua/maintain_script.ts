/**
 * The upkeep scripts: any node runs them on a timer, and running them twice at once is harmless.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { BUMP, EMIT, ENSURE_GROUP, NOW_MS, PROMOTE, SET_PAYLOAD } from "./helpers.ts";

/**
 * Moves due delayed jobs to the ready set; expires up to `limit` finished jobs past their time
 * to live (each leaves a tombstone that lives one more ttl, and frees its idempotency key) and
 * dead letters older than it, giving their bytes back;
 * trims the dispatch stream no further than its oldest pending entry (on Redis 7.0 a trim
 * deletes entries still pending, and XAUTOCLAIM would then drop them); forgets consumers idle
 * longer than consumerIdleMs, but never one that still has pending entries. Replies the number
 * of jobs expired.
 */
export const MAINTAIN = LuaScript.of({
  name: "maintain",
  about: "promotes due delayed jobs, expires old ones, trims the dispatch stream.",
  argv: ["ttlMs", "limit", "consumerIdleMs"],
  keys: [
    "finished",
    "bytes",
    "kjobs",
    "kbytes",
    "cjobs",
    "cbytes",
    "jobs",
    "nodes",
    "beats",
    "dead",
  ],
  derives: ["job", "idem", "tomb"],
  helpers: [NOW_MS, ENSURE_GROUP, PROMOTE, BUMP],
  body: `
ensure_group()
local ttl, limit, consumer_idle = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
promote(now, 1000)
local ids = redis.call('ZRANGEBYSCORE', K.finished, '-inf', now - ttl, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  local jk = job_key(id)
  local key = redis.call('HGET', jk, 'ikey')
  if key and redis.call('GET', idem_key(key)) == id then
    redis.call('DEL', idem_key(key))
  end
  local t = redis.call('HMGET', jk, 'bytes', 'ckey', 'client')
  local bytes = tonumber(t[1] or '0')
  redis.call('DECRBY', K.bytes, bytes)
  -- What the job's tenant keeps: one job and its bytes fewer.
  bump(K.kjobs, t[2] or '', -1)
  bump(K.kbytes, t[2] or '', -bytes)
  if t[3] then
    bump(K.cjobs, t[3], -1)
    bump(K.cbytes, t[3], -bytes)
  end
  redis.call('DEL', jk)
  redis.call('ZREM', K.jobs, id)
  redis.call('ZREM', K.finished, id)
  redis.call('SET', tomb_key(id), '1', 'PX', ttl)
end
-- Dead letters older than the time to live go, and their bytes with them (XTRIM, not XDEL:
-- the documented ACL user has no XDEL).
local dead = redis.call('XRANGE', K.dead, '-', now - ttl, 'COUNT', limit)
for _, e in ipairs(dead) do
  local f = e[2]
  for j = 1, #f, 2 do
    if f[j] == 'bytes' then redis.call('DECRBY', K.bytes, tonumber(f[j + 1])) end
  end
end
if #dead > 0 then
  local ms, sq = string.match(dead[#dead][1], '^(%d+)%-(%d+)$')
  redis.call('XTRIM', K.dead, 'MINID', ms .. '-' .. (tonumber(sq) + 1))
end
local summary = redis.call('XPENDING', K.dispatch, G)
local min_id = summary[2]
if not min_id then
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', K.dispatch)) do
    local f = {}
    for j = 1, #g, 2 do f[g[j]] = g[j + 1] end
    if f['name'] == G then min_id = f['last-delivered-id'] end
  end
end
if min_id then redis.call('XTRIM', K.dispatch, 'MINID', min_id) end
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', K.dispatch, G)) do
  local f = {}
  for j = 1, #c, 2 do f[c[j]] = c[j + 1] end
  local beat = tonumber(redis.call('HGET', K.beats, f['name']) or '0')
  if tonumber(f['pending']) == 0 and tonumber(f['idle']) > consumer_idle and now - beat > consumer_idle then
    redis.call('XGROUP', 'DELCONSUMER', K.dispatch, G, f['name'])
    redis.call('HDEL', K.nodes, f['name'])
    redis.call('HDEL', K.beats, f['name'])
  end
end
return #ids
`,
});

/** Stores a running job's progress, only while it runs under that entry. */
export const PROGRESS = LuaScript.of({
  name: "progress",
  about: "stores a running job's progress.",
  argv: ["id", "entry id", "progress JSON"],
  derives: ["job"],
  helpers: [SET_PAYLOAD, EMIT],
  body: `
local id = ARGV[2]
local jk = job_key(id)
local h = redis.call('HMGET', jk, 'status', 'entry')
if h[1] ~= 'running' or h[2] ~= ARGV[3] then return 0 end
local rev = redis.call('HINCRBY', jk, 'rev', 1)
set_payload(jk, 'progress', ARGV[4])
emit(id, rev, 'progress', 'running')
return 1
`,
});
