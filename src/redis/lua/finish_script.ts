/**
 * The finish script: records results, failures and retries of many jobs at once, each together
 * with its state change and its XACK.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import {
  COUNT_WAITING,
  DROP_PAYLOAD,
  EMIT,
  ENSURE_GROUP,
  FINISH_JOB,
  NOW_MS,
  RELEASE_KEY,
  SET_PAYLOAD,
} from "./helpers.ts";

/**
 * A job records only while it is running under that very entry: a run that another node took
 * over and finished first, or a cancelled one, is only acknowledged. That check, the write
 * (set-if-absent) and the XACK are one step, so a job has exactly one recorded result however
 * many times it ran. A retry records its `runAt`, the time its backoff ends. Replies 1
 * (recorded) or 0 per job.
 */
export const FINISH = LuaScript.of({
  name: "finish",
  about: "records how runs ended (result, failure or retry), each with its XACK.",
  argv: [
    "n",
    "then per job: id, entry id, outcome (ok | fail | retry), payload JSON, retry delay ms",
  ],
  keys: ["delayed"],
  derives: ["job"],
  helpers: [
    NOW_MS,
    ENSURE_GROUP,
    RELEASE_KEY,
    SET_PAYLOAD,
    DROP_PAYLOAD,
    COUNT_WAITING,
    EMIT,
    FINISH_JOB,
  ],
  body: `
ensure_group()
local n = tonumber(ARGV[2])
local now = now_ms()
local out = {}
for i = 0, n - 1 do
  local b = 3 + i * 5
  local id, eid, outcome, payload, delay = ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
  local jk = job_key(id)
  local h = redis.call('HMGET', jk, 'status', 'entry', 'ckey', 'client')
  redis.call('XACK', K.dispatch, G, eid)
  if h[1] ~= 'running' or h[2] ~= eid then
    out[#out + 1] = 0
  else
    release_key(h[3])
    if outcome == 'retry' then
      local rev = redis.call('HINCRBY', jk, 'rev', 1)
      local run_at = now + tonumber(delay)
      redis.call('HSET', jk, 'status', 'delayed', 'runAt', run_at)
      set_payload(jk, 'error', payload)
      redis.call('HDEL', jk, 'entry', 'node')
      redis.call('ZADD', K.delayed, run_at, id)
      count_waiting(h[3], h[4], 1)
      emit(id, rev, 'status', 'delayed')
    elseif outcome == 'ok' then
      drop_payload(jk, 'error')
      finish(jk, id, 'succeeded', 'result', payload, now)
    else
      -- The error of an earlier attempt gives way to the last one's.
      drop_payload(jk, 'error')
      finish(jk, id, 'failed', 'error', payload, now)
    end
    out[#out + 1] = 1
  end
end
return out
`,
});
