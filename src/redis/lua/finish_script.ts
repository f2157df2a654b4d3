/**
 * The finish script: records results, failures and retries of many jobs at once, each together
 * with its state change and its XACK.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { BUMP_ALL, CALL_MANY, EMIT_MANY, IN_GROUP, NOW_MS, TALLY } from "./helpers.ts";

/**
 * A job records only while it is running under that very entry: a run that another node took
 * over and finished first, or a cancelled one, is only acknowledged. That check, the write and
 * the XACK are one step, so a job has exactly one recorded result however many times it ran.
 * A retry records its `runAt`, the time its backoff ends. Each job costs a read and a write of
 * its hash; the acknowledgements, the sets, the counters and the events are written once for the
 * whole batch. Replies 1 (recorded) or 0 per job.
 */
export const FINISH = LuaScript.of({
  name: "finish",
  about: "records how runs ended (result, failure or retry), each with its XACK.",
  argv: [
    "n",
    "then per job: id, entry id, outcome (ok | fail | retry), payload JSON, retry delay ms",
  ],
  keys: [
    "delayed",
    "running",
    "finished",
    "recorded",
    "hooks",
    "bytes",
    "kbytes",
    "cbytes",
    "waiting",
    "wkey",
    "wclient",
  ],
  derives: ["job"],
  helpers: [NOW_MS, IN_GROUP, TALLY, BUMP_ALL, CALL_MANY, EMIT_MANY],
  body: `
local n = tonumber(ARGV[2])
local now = now_ms()
local out, acks, finished, hooks, delayed, ev = {}, {}, {}, {}, {}, {}
local running_d, kbytes_d, cbytes_d, wkey_d, wclient_d = {}, {}, {}, {}, {}
local bytes, recorded, requeued = 0, 0, 0
for i = 0, n - 1 do
  local b = 3 + i * 5
  local id, eid, outcome, payload, delay = ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
  local jk = job_key(id)
  local h = redis.call('HMGET', jk, 'status', 'entry', 'ckey', 'client', 'rev', 'bytes',
    'attempts', 'webhook')
  acks[#acks + 1] = eid
  if h[1] ~= 'running' or h[2] ~= eid then
    out[#out + 1] = 0
  else
    local ckey, client, rev = h[3] or '', h[4], tonumber(h[5] or '0') + 1
    tally(running_d, ckey, -1)
    -- The error of an earlier attempt (a retry's) gives way to this one's outcome.
    local old = 0
    if tonumber(h[7] or '1') > 1 then old = redis.call('HSTRLEN', jk, 'error') end
    local d = #payload - old
    local field, status = 'error', 'failed'
    if outcome == 'retry' then
      local run_at = now + tonumber(delay)
      redis.call('HSET', jk, 'rev', rev, 'status', 'delayed', 'runAt', run_at, 'error', payload,
        'bytes', tonumber(h[6] or '0') + d)
      delayed[#delayed + 1] = run_at
      delayed[#delayed + 1] = id
      requeued = requeued + 1
      tally(wkey_d, ckey, 1)
      if client then tally(wclient_d, client, 1) end
      status = 'delayed'
    else
      if outcome == 'ok' then
        field, status = 'result', 'succeeded'
        if old > 0 then redis.call('HDEL', jk, 'error') end
      end
      -- The job's final state, its result or error, once.
      redis.call('HSET', jk, 'rev', rev, 'status', status, 'finishedAt', now, field, payload,
        'bytes', tonumber(h[6] or '0') + d)
      finished[#finished + 1] = now
      finished[#finished + 1] = id
      -- A job naming a webhook gets its delivery in hooks in the same step (webhook_scripts.ts).
      if h[8] then
        hooks[#hooks + 1] = now
        hooks[#hooks + 1] = id
      end
      recorded = recorded + 1
    end
    bytes = bytes + d
    tally(kbytes_d, ckey, d)
    if client then tally(cbytes_d, client, d) end
    add_event(ev, id, rev, 'status', status)
    out[#out + 1] = 1
  end
end
for s = 1, #acks, 4000 do
  in_group('XACK', K.dispatch, G, unpack(acks, s, math.min(s + 3999, #acks)))
end
if #finished > 0 then call_many({'ZADD', K.finished}, finished, 4000) end
if #hooks > 0 then call_many({'ZADD', K.hooks, 'NX'}, hooks, 4000) end
if #delayed > 0 then call_many({'ZADD', K.delayed}, delayed, 4000) end
if recorded > 0 then redis.call('INCRBY', K.recorded, recorded) end
if requeued > 0 then redis.call('INCRBY', K.waiting, requeued) end
if bytes ~= 0 then redis.call('INCRBY', K.bytes, bytes) end
bump_all(K.running, running_d)
bump_all(K.kbytes, kbytes_d)
bump_all(K.cbytes, cbytes_d)
bump_all(K.wkey, wkey_d)
bump_all(K.wclient, wclient_d)
emit_all(ev)
return out
`,
});
