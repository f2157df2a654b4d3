/**
 * The submit script: bounds, idempotency and the new jobs, all in one atomic step.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { PRELUDE } from "./prelude.ts";

/** Fields per job in the submit script's ARGV, after the first five. */
export const SUBMIT_FIELDS = 8;

/**
 * ARGV: prefix, maxJobs, maxQueue, ttlMs, n, then per job: id, task, request JSON, fingerprint,
 * idempotency key ('' for none), delayMs, priority, concurrency key. Replies
 * `{'ok', now, seq…}`, `{'replay', id}`, `{'conflict'}` or `{'full', bound, count, waitMs}`.
 */
export const SUBMIT = new LuaScript(
  PRELUDE + `
local max_jobs, max_queue, ttl, n = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
local ikey = ARGV[10]
if n == 1 and ikey ~= '' then
  local held = redis.call('GET', P .. ':idem:' .. ikey)
  if held then
    local h = redis.call('HMGET', job_key(held), 'status', 'fp')
    -- A failed or cancelled job frees its key (decideIdempotency, in Lua).
    if h[1] and h[1] ~= 'failed' and h[1] ~= 'cancelled' then
      if h[2] == ARGV[9] then return {'replay', held} end
      return {'conflict'}
    end
  end
end
local jobs = redis.call('ZCARD', P .. ':jobs')
if jobs + n > max_jobs then
  local oldest = redis.call('ZRANGE', P .. ':finished', 0, 0, 'WITHSCORES')
  local wait = 1000
  if oldest[2] then wait = tonumber(oldest[2]) + ttl - now end
  return {'full', 'store', tostring(jobs), tostring(wait)}
end
local waiting = tonumber(redis.call('GET', P .. ':waiting') or '0')
if waiting + n > max_queue then return {'full', 'queue', tostring(waiting), '1000'} end
local out = {'ok', tostring(now)}
for i = 0, n - 1 do
  local b = 6 + i * ${SUBMIT_FIELDS}
  local id, task, req, fp, key, delay, prio, ckey =
    ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], tonumber(ARGV[b + 5]), ARGV[b + 6], ARGV[b + 7]
  local seq = redis.call('INCR', P .. ':seq')
  local member = string.format('%016d', seq) .. ':' .. id
  local status = 'queued'
  if delay > 0 then status = 'delayed' end
  local jk = job_key(id)
  redis.call('HSET', jk, 'id', id, 'task', task, 'status', status, 'request', req, 'fp', fp,
    'ckey', ckey, 'prio', prio, 'seq', seq, 'member', member, 'attempts', 0, 'rev', 1,
    'submittedAt', now)
  if key ~= '' then
    redis.call('HSET', jk, 'ikey', key)
    redis.call('SET', P .. ':idem:' .. key, id)
  end
  redis.call('ZADD', P .. ':jobs', seq, id)
  redis.call('INCR', P .. ':waiting')
  if status == 'delayed' then
    redis.call('HSET', jk, 'runAt', now + delay)
    redis.call('ZADD', P .. ':delayed', now + delay, id)
  else
    make_ready(ckey, prio, member)
  end
  emit(id, 1, 'status', status)
  out[#out + 1] = tostring(seq)
end
return out
`,
);
