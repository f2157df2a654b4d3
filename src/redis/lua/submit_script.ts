/**
 * The submit script: bounds, idempotency and the new jobs, all in one atomic step.
 *
 * @module
 */
import { LuaScript, type ScriptParts } from "../lua_script.ts";
import { ADD_BYTES, BUMP, COUNT_WAITING, EMIT, MAKE_READY, NOW_MS } from "./helpers.ts";

/** ARGV entries before the first job's fields. */
export const SUBMIT_HEADER = 13;

/** Fields per job in the submit script's ARGV, after the header. */
export const SUBMIT_FIELDS = 8;

/**
 * ARGV: maxJobs, maxQueue, ttlMs, n, maxBytes, maxQueuePerKey, maxQueuePerClient,
 * client ('' for none), jobs and bytes one key may keep, jobs and bytes one client may keep,
 * then per job: id, task, request JSON, fingerprint ('' without an
 * idempotency key), idempotency key ('' for none), delayMs, priority, concurrency key. Each
 * request is stored once, in its job's hash; its length counts towards maxBytes. Replies
 * `{'ok', now, seq…}`, `{'replay', id}`, `{'conflict'}` or `{'full', bound, count, waitMs}`
 * (bound: store, bytes, queue), `{'full', 'key' | 'client', count, waitMs, name, max, adding}`
 * (its share of the queue), or `{'full', 'key' | 'client', count, waitMs, name, max, 'jobs' |
 * 'bytes', 'kept'}` (its share of the jobs or bytes kept). The fire script of schedules
 * (schedule_scripts.ts) runs the same body, with the same keys and helpers, as its submission.
 */
export const SUBMIT_PARTS: ScriptParts = {
  name: "submit",
  about: "checks the bounds and idempotency and adds the jobs, all or none.",
  argv: [
    "maxJobs",
    "maxQueue",
    "ttlMs",
    "n",
    "maxBytes",
    "maxQueuePerKey",
    "maxQueuePerClient",
    "client ('' for none)",
    "jobs one key may keep",
    "bytes one key may keep",
    "jobs one client may keep",
    "bytes one client may keep (ARGV[13])",
    "then per job: id, task, request JSON, fingerprint, idempotency key, delayMs, priority, " +
    "concurrency key",
  ],
  keys: ["jobs", "finished", "seq", "bytes", "waiting", "delayed", "kjobs", "cjobs"],
  derives: ["job", "idem"],
  helpers: [NOW_MS, BUMP, ADD_BYTES, COUNT_WAITING, MAKE_READY, EMIT],
  body: `
local max_jobs, max_queue, ttl, n = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local max_bytes, per_key, per_client, client = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local key_jobs, key_bytes = tonumber(ARGV[10]), tonumber(ARGV[11])
local client_jobs, client_bytes = tonumber(ARGV[12]), tonumber(ARGV[13])
local H, F = ${SUBMIT_HEADER}, ${SUBMIT_FIELDS}
local now = now_ms()
local ikey = ARGV[H + 5]
if n == 1 and ikey ~= '' then
  local held = redis.call('GET', idem_key(ikey))
  if held then
    local h = redis.call('HMGET', job_key(held), 'status', 'fp')
    -- A failed or cancelled job frees its key (decideIdempotency, in Lua).
    if h[1] and h[1] ~= 'failed' and h[1] ~= 'cancelled' then
      if h[2] == ARGV[H + 4] then return {'replay', held} end
      return {'conflict'}
    end
  end
end
local function wait_for_expiry()
  local oldest = redis.call('ZRANGE', K.finished, 0, 0, 'WITHSCORES')
  if oldest[2] then return tostring(tonumber(oldest[2]) + ttl - now) end
  return '1000'
end
local jobs = redis.call('ZCARD', K.jobs)
if jobs + n > max_jobs then return {'full', 'store', tostring(jobs), wait_for_expiry()} end
local adding = 0
local per = {}
local per_bytes = {}
for i = 0, n - 1 do
  local b = H + 1 + i * F
  adding = adding + #ARGV[b + 2]
  per[ARGV[b + 7]] = (per[ARGV[b + 7]] or 0) + 1
  per_bytes[ARGV[b + 7]] = (per_bytes[ARGV[b + 7]] or 0) + #ARGV[b + 2]
end
local bytes = tonumber(redis.call('GET', K.bytes) or '0')
if bytes + adding > max_bytes then
  return {'full', 'bytes', tostring(bytes), wait_for_expiry(), tostring(adding), tostring(max_bytes)}
end
local waiting = tonumber(redis.call('GET', K.waiting) or '0')
if waiting + n > max_queue then return {'full', 'queue', tostring(waiting), '1000'} end
for ckey, count in pairs(per) do
  local held = tonumber(redis.call('HGET', K.wkey, ckey) or '0')
  if held + count > per_key then
    return {'full', 'key', tostring(held), '1000', ckey, tostring(per_key), tostring(count)}
  end
end
if client ~= '' then
  local held = tonumber(redis.call('HGET', K.wclient, client) or '0')
  if held + n > per_client then
    return {'full', 'client', tostring(held), '1000', client, tostring(per_client), tostring(n)}
  end
end
-- Each tenant's share of the jobs and bytes kept: finished jobs stay for their time to live,
-- and one tenant's must not fill the store for everyone.
local function kept(bound, name, jobs_h, bytes_h, count, bytes_in, max_jobs_t, max_bytes_t)
  local held = tonumber(redis.call('HGET', jobs_h, name) or '0')
  if held + count > max_jobs_t then
    return {'full', bound, tostring(held), wait_for_expiry(), name, tostring(max_jobs_t), 'jobs', 'kept'}
  end
  local held_bytes = tonumber(redis.call('HGET', bytes_h, name) or '0')
  if held_bytes + bytes_in > max_bytes_t then
    return {'full', bound, tostring(held_bytes), wait_for_expiry(), name, tostring(max_bytes_t), 'bytes', 'kept'}
  end
end
for ckey, count in pairs(per) do
  local full = kept('key', ckey, K.kjobs, K.kbytes, count, per_bytes[ckey], key_jobs, key_bytes)
  if full then return full end
end
if client ~= '' then
  local full = kept('client', client, K.cjobs, K.cbytes, n, adding, client_jobs, client_bytes)
  if full then return full end
end
local out = {'ok', tostring(now)}
for i = 0, n - 1 do
  local b = H + 1 + i * F
  local id, task, req, fp, key, delay, prio, ckey =
    ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], tonumber(ARGV[b + 5]), ARGV[b + 6], ARGV[b + 7]
  local seq = redis.call('INCR', K.seq)
  local member = string.format('%016d', seq) .. ':' .. id
  local status = 'queued'
  if delay > 0 then status = 'delayed' end
  local jk = job_key(id)
  redis.call('HSET', jk, 'id', id, 'task', task, 'status', status, 'request', req,
    'ckey', ckey, 'prio', prio, 'seq', seq, 'member', member, 'attempts', 0, 'rev', 1,
    'submittedAt', now, 'bytes', 0)
  if client ~= '' then
    redis.call('HSET', jk, 'client', client)
    bump(K.cjobs, client, 1)
  end
  bump(K.kjobs, ckey, 1)
  -- A job's own rate limit, where the take script reads it (see rate_limit_lua.ts).
  if string.find(req, '"rateLimit":{', 1, true) then
    local rl = cjson.decode(req).rateLimit
    if type(rl) == 'table' then redis.call('HSET', jk, 'rate', rl.max .. ',' .. rl.windowMs) end
  end
  add_bytes(jk, #req)
  -- A request naming a webhook starts with it (RedisJobs.submit), its braces escaped.
  local hook = string.match(req, '^{"webhook":(%b{})')
  if hook then redis.call('HSET', jk, 'webhook', hook) end
  if key ~= '' then
    redis.call('HSET', jk, 'ikey', key, 'fp', fp)
    redis.call('SET', idem_key(key), id)
  end
  redis.call('ZADD', K.jobs, seq, id)
  count_waiting(ckey, client, 1)
  if status == 'delayed' then
    redis.call('HSET', jk, 'runAt', now + delay)
    redis.call('ZADD', K.delayed, now + delay, id)
  else
    make_ready(ckey, prio, member)
  end
  emit(id, 1, 'status', status)
  out[#out + 1] = tostring(seq)
end
return out
`,
};

/** The submit script (see {@linkcode SUBMIT_PARTS}). */
export const SUBMIT: LuaScript = LuaScript.of(SUBMIT_PARTS);
