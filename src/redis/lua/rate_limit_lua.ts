/**
 * The Lua of rate limits, a helper of the take script: a sliding window log per concurrency key
 * and per task, checked and updated in the same atomic step that takes jobs, so that at most
 * `max` jobs of a key start in any `windowMs` across every node.
 *
 * ARGV read by the including script: ARGV[5] the limits per concurrency key and ARGV[6] per task,
 * each a JSON object `{ "<name>": [max, windowMs] }`.
 * Keys (named in ../redis_keys.ts, all under the queue's prefix P):
 * - `rate` (derived, sorted set, expiring after its window): starts of jobs of a concurrency
 *   key, score = Redis time (ms), member = the run's dispatch entry id.
 * - `rateTask` (derived, the same): starts of jobs of a task.
 * - `rateWaiting` (fixed, hash): concurrency key → its ready jobs while it is limited (/metrics).
 * - the job hash: `rate` ("max,windowMs", a job's own limit, set on submission),
 *   `waitingFor` and `notBefore` (set while it is next to start and limited).
 *
 * @module
 */
import type { LuaHelper } from "./helpers.ts";

/**
 * `rate_check(k, rk, now)` and `rate_started(k, id, now, entry)` (with `rate_wait`,
 * `rate_record` and `rate_limits_of` they call), and `RATE_KEYS`, `RATE_TASKS` from ARGV[5..6].
 */
export const RATE_LIMITS: LuaHelper = {
  keys: ["rateWaiting"],
  derives: ["job", "rate", "rateTask"],
  lua: `local RATE_KEYS = cjson.decode(ARGV[5] or '{}')
local RATE_TASKS = cjson.decode(ARGV[6] or '{}')
-- Milliseconds until one more start fits the window of limit {max, windowMs} (0: now).
local function rate_wait(z, lim, now)
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now - lim[2])
  local n = redis.call('ZCARD', z)
  if n < lim[1] then return 0 end
  local s = redis.call('ZRANGE', z, n - lim[1], n - lim[1], 'WITHSCORES')
  return tonumber(s[2]) + lim[2] - now
end
local function rate_record(z, lim, now, member)
  redis.call('ZADD', z, now, member)
  redis.call('PEXPIRE', z, lim[2])
end
-- The limits of job id of concurrency key k: its own (else the key's), and its task's.
local function rate_limits_of(k, id)
  local h = redis.call('HMGET', job_key(id), 'task', 'rate')
  local klim = RATE_KEYS[k]
  if h[2] then
    local comma = string.find(h[2], ',', 1, true)
    klim = {tonumber(string.sub(h[2], 1, comma - 1)), tonumber(string.sub(h[2], comma + 1))}
  end
  return klim, RATE_TASKS[h[1] or ''], h[1]
end
-- 0 when the next job of key k (ready set rk) may start now under its limits, else the wait;
-- a waiting job is marked with why and until when.
local function rate_check(k, rk, now)
  local head = redis.call('ZRANGE', rk, 0, 0)[1]
  if not head then return 0 end
  local id = string.sub(head, 18)
  local klim, tlim, task = rate_limits_of(k, id)
  if not klim and not tlim then return 0 end
  local wait = 0
  if klim then wait = rate_wait(rate_key(k), klim, now) end
  if tlim then wait = math.max(wait, rate_wait(rate_task_key(task), tlim, now)) end
  if wait > 0 then
    redis.call('HSET', job_key(id), 'waitingFor', 'rate_limit', 'notBefore', now + wait)
    redis.call('HSET', K.rateWaiting, k, redis.call('ZCARD', rk))
  else
    redis.call('HDEL', K.rateWaiting, k)
  end
  return wait
end
-- Counts the start of job id of key k (entry: its dispatch entry id).
local function rate_started(k, id, now, entry)
  local klim, tlim, task = rate_limits_of(k, id)
  if klim then rate_record(rate_key(k), klim, now, entry) end
  if tlim then rate_record(rate_task_key(task), tlim, now, entry) end
  redis.call('HDEL', job_key(id), 'waitingFor', 'notBefore')
end`,
};
