/**
 * The submit script: bounds, idempotency and the new jobs, all in one atomic step.
 *
 * @module
 */
import { LuaScript, type ScriptParts } from "../lua_script.ts";
import { BUMP_ALL, CALL_MANY, EMIT_MANY, NOW_MS, READY_MEMBER, TALLY } from "./helpers.ts";

/** ARGV entries before the first job's fields. */
export const SUBMIT_HEADER = 14;

/** Fields per job in the submit script's ARGV, after the header. */
export const SUBMIT_FIELDS = 8;

/**
 * ARGV: maxJobs, maxQueue, ttlMs, n, maxBytes, maxQueuePerKey, maxQueuePerClient,
 * client ('' for none), jobs and bytes one key may keep, jobs and bytes one client may keep,
 * the mode ('all': the jobs are added all or none; 'each': each on its own, as separate
 * submissions coalesced into one call), then per job: id, task, request JSON, fingerprint (''
 * without an idempotency key), idempotency key ('' for none), delayMs, priority, concurrency
 * key. Each request is stored once, in its job's hash; its length counts towards maxBytes.
 * The counters and sets every job touches are read once and written once per call, not per job.
 * Replies, in mode 'all', `{'ok', now, seq…}`, `{'replay', id}` (one job whose idempotency key
 * a live job holds), `{'conflict'}` or `{'full', bound, count, waitMs}`
 * (bound: store, bytes, queue), `{'full', 'key' | 'client', count, waitMs, name, max, adding}`
 * (its share of the queue), or `{'full', 'key' | 'client', count, waitMs, name, max, 'jobs' |
 * 'bytes', 'kept'}` (its share of the jobs or bytes kept); in mode 'each', `{'each', now,
 * verdict…}`, one per job: `{'ok', seq}` or one of the refusals above. The fire script of
 * schedules (schedule_scripts.ts) runs the same body, with the same keys and helpers, as its
 * submission.
 */
export const SUBMIT_PARTS: ScriptParts = {
  name: "submit",
  about: "checks the bounds and idempotency and adds the jobs, all or none (or each on its own).",
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
    "bytes one client may keep",
    "mode: 'all' or 'each' (ARGV[14])",
    "then per job: id, task, request JSON, fingerprint, idempotency key, delayMs, priority, " +
    "concurrency key",
  ],
  keys: [
    "jobs",
    "finished",
    "seq",
    "bytes",
    "waiting",
    "delayed",
    "kjobs",
    "cjobs",
    "kbytes",
    "cbytes",
    "wkey",
    "wclient",
    "turns",
  ],
  derives: ["job", "idem", "ready"],
  helpers: [NOW_MS, BUMP_ALL, TALLY, CALL_MANY, EMIT_MANY, READY_MEMBER],
  body: `
local max_jobs, max_queue, ttl, n = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local max_bytes, per_key, per_client, client = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local key_jobs, key_bytes = tonumber(ARGV[10]), tonumber(ARGV[11])
local client_jobs, client_bytes = tonumber(ARGV[12]), tonumber(ARGV[13])
local each = ARGV[14] == 'each'
local H, F = ${SUBMIT_HEADER}, ${SUBMIT_FIELDS}
local now = now_ms()
local function wait_for_expiry()
  local oldest = redis.call('ZRANGE', K.finished, 0, 0, 'WITHSCORES')
  if oldest[2] then return tostring(tonumber(oldest[2]) + ttl - now) end
  return '1000'
end
-- What the queue and each tenant hold, read once, then kept up to date here as jobs are added.
local jobs = redis.call('ZCARD', K.jobs)
local bytes = tonumber(redis.call('GET', K.bytes) or '0')
local waiting = tonumber(redis.call('GET', K.waiting) or '0')
local held_in = {}
local function held(h, name)
  local t = held_in[h]
  if not t then
    t = {}
    held_in[h] = t
  end
  if t[name] == nil then t[name] = tonumber(redis.call('HGET', h, name) or '0') end
  return t[name]
end
-- The writes each counter gets once at the end.
local delta = {}
local function count(h, name, d)
  held(h, name)
  held_in[h][name] = held_in[h][name] + d
  delta[h] = delta[h] or {}
  tally(delta[h], name, d)
end
-- Each tenant's share of the jobs and bytes kept: finished jobs stay for their time to live,
-- and one tenant's must not fill the store for everyone.
local function kept(bound, name, jobs_h, bytes_h, count_in, bytes_in, max_jobs_t, max_bytes_t)
  local held_jobs = held(jobs_h, name)
  if held_jobs + count_in > max_jobs_t then
    return {'full', bound, tostring(held_jobs), wait_for_expiry(), name, tostring(max_jobs_t), 'jobs', 'kept'}
  end
  local held_bytes = held(bytes_h, name)
  if held_bytes + bytes_in > max_bytes_t then
    return {'full', bound, tostring(held_bytes), wait_for_expiry(), name, tostring(max_bytes_t), 'bytes', 'kept'}
  end
end
-- Why adding \`count_in\` jobs of \`adding\` bytes (per concurrency key: per, per_bytes) is refused.
local function refusal(count_in, adding, per, per_bytes)
  if jobs + count_in > max_jobs then return {'full', 'store', tostring(jobs), wait_for_expiry()} end
  if bytes + adding > max_bytes then
    return {'full', 'bytes', tostring(bytes), wait_for_expiry(), tostring(adding), tostring(max_bytes)}
  end
  if waiting + count_in > max_queue then return {'full', 'queue', tostring(waiting), '1000'} end
  for ckey, c in pairs(per) do
    local h = held(K.wkey, ckey)
    if h + c > per_key then
      return {'full', 'key', tostring(h), '1000', ckey, tostring(per_key), tostring(c)}
    end
  end
  if client ~= '' then
    local h = held(K.wclient, client)
    if h + count_in > per_client then
      return {'full', 'client', tostring(h), '1000', client, tostring(per_client), tostring(count_in)}
    end
  end
  for ckey, c in pairs(per) do
    local full = kept('key', ckey, K.kjobs, K.kbytes, c, per_bytes[ckey], key_jobs, key_bytes)
    if full then return full end
  end
  if client ~= '' then
    local full = kept('client', client, K.cjobs, K.cbytes, count_in, adding, client_jobs, client_bytes)
    if full then return full end
  end
end
-- The job at ARGV[b] replays or conflicts with the live job holding its idempotency key.
local function idempotent(b)
  local ikey = ARGV[b + 4]
  if ikey == '' then return nil end
  local held_id = redis.call('GET', idem_key(ikey))
  if not held_id then return nil end
  local h = redis.call('HMGET', job_key(held_id), 'status', 'fp')
  -- A failed or cancelled job frees its key (decideIdempotency, in Lua).
  if h[1] and h[1] ~= 'failed' and h[1] ~= 'cancelled' then
    if h[2] == ARGV[b + 3] then return {'replay', held_id} end
    return {'conflict'}
  end
end
-- Submission numbers are reserved for the call's n jobs in one INCRBY, once the call is known
-- to add jobs: a job refused in mode 'each' leaves a gap, which is harmless (the numbers order
-- jobs, as the listing's cursor and within a priority; nothing counts them).
local seq
local function reserve() seq = redis.call('INCRBY', K.seq, n) - n end
local listed, delayed, ready, ev = {}, {}, {}, {}
local added_bytes = 0
local function add(b)
  local id, task, req, fp, key, delay, prio, ckey =
    ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], tonumber(ARGV[b + 5]), ARGV[b + 6], ARGV[b + 7]
  seq = seq + 1
  local status = 'queued'
  if delay > 0 then status = 'delayed' end
  local f = {'HSET', job_key(id), 'id', id, 'task', task, 'status', status, 'request', req,
    'ckey', ckey, 'prio', prio, 'seq', seq, 'attempts', 0, 'rev', 1,
    'submittedAt', now, 'bytes', #req}
  local function field(name, value)
    f[#f + 1] = name
    f[#f + 1] = value
  end
  if client ~= '' then
    field('client', client)
    count(K.cjobs, client, 1)
    count(K.cbytes, client, #req)
    count(K.wclient, client, 1)
  end
  count(K.kjobs, ckey, 1)
  count(K.kbytes, ckey, #req)
  count(K.wkey, ckey, 1)
  -- A job's own rate limit, where the take script reads it (see rate_limit_lua.ts).
  if string.find(req, '"rateLimit":{', 1, true) then
    local rl = cjson.decode(req).rateLimit
    if type(rl) == 'table' then field('rate', rl.max .. ',' .. rl.windowMs) end
  end
  -- A request naming a webhook starts with it (RedisJobs.submit), its braces escaped.
  local hook = string.match(req, '^{"webhook":(%b{})')
  if hook then field('webhook', hook) end
  if key ~= '' then
    field('ikey', key)
    field('fp', fp)
  end
  if status == 'delayed' then
    field('runAt', now + delay)
    delayed[#delayed + 1] = now + delay
    delayed[#delayed + 1] = id
  else
    -- One sorted set per concurrency key (score: priority; member: the zero-padded submission
    -- number and the id, so equal priorities keep submission order).
    ready[ckey] = ready[ckey] or {}
    local r = ready[ckey]
    r[#r + 1] = prio
    r[#r + 1] = ready_member(seq, id)
  end
  redis.call(unpack(f))
  if key ~= '' then redis.call('SET', idem_key(key), id) end
  listed[#listed + 1] = seq
  listed[#listed + 1] = id
  jobs = jobs + 1
  bytes = bytes + #req
  added_bytes = added_bytes + #req
  waiting = waiting + 1
  add_event(ev, id, 1, 'status', status)
  return tostring(seq)
end
local out
if each then
  reserve()
  out = {'each', tostring(now)}
  for i = 0, n - 1 do
    local b = H + 1 + i * F
    local ckey, size = ARGV[b + 7], #ARGV[b + 2]
    local verdict = idempotent(b) or refusal(1, size, {[ckey] = 1}, {[ckey] = size})
    out[#out + 1] = verdict or {'ok', add(b)}
  end
else
  if n == 1 then
    local verdict = idempotent(H + 1)
    if verdict then return verdict end
  end
  local adding = 0
  local per = {}
  local per_bytes = {}
  for i = 0, n - 1 do
    local b = H + 1 + i * F
    adding = adding + #ARGV[b + 2]
    tally(per, ARGV[b + 7], 1)
    tally(per_bytes, ARGV[b + 7], #ARGV[b + 2])
  end
  local full = refusal(n, adding, per, per_bytes)
  if full then return full end
  reserve()
  out = {'ok', tostring(now)}
  for i = 0, n - 1 do out[#out + 1] = add(H + 1 + i * F) end
end
if #listed == 0 then return out end
call_many({'ZADD', K.jobs}, listed, 2000)
if #delayed > 0 then call_many({'ZADD', K.delayed}, delayed, 2000) end
for ckey, r in pairs(ready) do
  call_many({'ZADD', ready_key(ckey)}, r, 2000)
  -- A key new to the rotation scores 0, before every key served already: it is due next, as in
  -- the in-memory ReadyQueue, so an idle tenant waits at most one turn.
  redis.call('ZADD', K.turns, 'NX', 0, ckey)
end
redis.call('INCRBY', K.bytes, added_bytes)
redis.call('INCRBY', K.waiting, #listed / 2)
for h, t in pairs(delta) do bump_all(h, t) end
emit_all(ev)
return out
`,
};

/** The submit script (see {@linkcode SUBMIT_PARTS}). */
export const SUBMIT: LuaScript = LuaScript.of(SUBMIT_PARTS);
