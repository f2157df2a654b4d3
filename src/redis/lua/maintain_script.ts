/**
 * The upkeep scripts: any node runs them on a timer, and running them twice at once is harmless.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { PRELUDE } from "./prelude.ts";

/**
 * ARGV: prefix, ttlMs, limit, consumerIdleMs. Moves due delayed jobs to the ready set; expires
 * up to `limit` finished jobs past their time to live (each leaves a tombstone that lives one
 * more ttl, and frees its idempotency key); trims the dispatch stream no further than its oldest
 * pending entry (on Redis 7.0 a trim deletes entries still pending, and XAUTOCLAIM would then
 * drop them); forgets consumers idle longer than consumerIdleMs, but never one that still has
 * pending entries. Replies the number of jobs expired.
 */
export const MAINTAIN = new LuaScript(
  PRELUDE + `
ensure_group()
local ttl, limit, consumer_idle = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
promote(now, 1000)
local ids = redis.call('ZRANGEBYSCORE', P .. ':finished', '-inf', now - ttl, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  local jk = job_key(id)
  local key = redis.call('HGET', jk, 'ikey')
  if key and redis.call('GET', P .. ':idem:' .. key) == id then
    redis.call('DEL', P .. ':idem:' .. key)
  end
  local t = redis.call('HMGET', jk, 'bytes', 'ckey', 'client')
  local bytes = tonumber(t[1] or '0')
  redis.call('DECRBY', P .. ':bytes', bytes)
  -- What the job's tenant keeps: one job and its bytes fewer.
  bump(P .. ':kjobs', t[2] or '', -1)
  bump(P .. ':kbytes', t[2] or '', -bytes)
  if t[3] then
    bump(P .. ':cjobs', t[3], -1)
    bump(P .. ':cbytes', t[3], -bytes)
  end
  redis.call('DEL', jk)
  redis.call('ZREM', P .. ':jobs', id)
  redis.call('ZREM', P .. ':finished', id)
  redis.call('SET', P .. ':tomb:' .. id, '1', 'PX', ttl)
end
local summary = redis.call('XPENDING', D, G)
local min_id = summary[2]
if not min_id then
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', D)) do
    local f = {}
    for j = 1, #g, 2 do f[g[j]] = g[j + 1] end
    if f['name'] == G then min_id = f['last-delivered-id'] end
  end
end
if min_id then redis.call('XTRIM', D, 'MINID', min_id) end
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', D, G)) do
  local f = {}
  for j = 1, #c, 2 do f[c[j]] = c[j + 1] end
  local beat = tonumber(redis.call('HGET', P .. ':beats', f['name']) or '0')
  if tonumber(f['pending']) == 0 and tonumber(f['idle']) > consumer_idle and now - beat > consumer_idle then
    redis.call('XGROUP', 'DELCONSUMER', D, G, f['name'])
    redis.call('HDEL', P .. ':nodes', f['name'])
    redis.call('HDEL', P .. ':beats', f['name'])
  end
end
return #ids
`,
);

/**
 * ARGV: prefix, id, entry id, progress JSON. Stores a running job's progress, only while it
 * runs under that entry.
 */
export const PROGRESS = new LuaScript(
  PRELUDE + `
local id = ARGV[2]
local jk = job_key(id)
local h = redis.call('HMGET', jk, 'status', 'entry')
if h[1] ~= 'running' or h[2] ~= ARGV[3] then return 0 end
local rev = redis.call('HINCRBY', jk, 'rev', 1)
set_payload(jk, 'progress', ARGV[4])
emit(id, rev, 'progress', 'running')
return 1
`,
);
