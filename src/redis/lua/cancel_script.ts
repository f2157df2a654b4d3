/**
 * The cancel script, and the release script a draining node hands its unfinished jobs back with.
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
  MAKE_READY,
  NOW_MS,
  READY_MEMBER,
  RELEASE_KEY,
} from "./helpers.ts";

/**
 * Takes the job out of wherever it waits (its key's ready set, or the delayed set) or, when
 * running, acknowledges its entry (the node running it hears the `cancelled` event and aborts
 * the task). Replies `cancelled`, `final` or `missing`.
 */
export const CANCEL = LuaScript.of({
  name: "cancel",
  about: "cancels one job, wherever it is.",
  argv: ["id", "error JSON"],
  keys: ["turns", "delayed"],
  derives: ["job", "ready"],
  helpers: [
    NOW_MS,
    COUNT_WAITING,
    ENSURE_GROUP,
    RELEASE_KEY,
    DROP_PAYLOAD,
    FINISH_JOB,
    READY_MEMBER,
  ],
  body: `
local id = ARGV[2]
local jk = job_key(id)
local h = redis.call('HMGET', jk, 'status', 'ckey', 'seq', 'entry', 'client')
local status = h[1]
if not status then return 'missing' end
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then return 'final' end
if status == 'queued' then
  local rk = ready_key(h[2])
  redis.call('ZREM', rk, ready_member(h[3], id))
  if redis.call('EXISTS', rk) == 0 then redis.call('ZREM', K.turns, h[2]) end
  count_waiting(h[2], h[5], -1)
elseif status == 'delayed' then
  redis.call('ZREM', K.delayed, id)
  count_waiting(h[2], h[5], -1)
elseif status == 'running' then
  ensure_group()
  redis.call('XACK', K.dispatch, G, h[4])
  release_key(h[2])
end
drop_payload(jk, 'error')
finish(jk, id, 'cancelled', 'error', ARGV[3], now_ms())
return 'cancelled'
`,
});

/**
 * Puts jobs this node runs back in the ready set, in their old place, and acknowledges their
 * entries: a node that drains hands its unfinished work to the others at once instead of making
 * them wait for the claim to go idle. The attempt is given back too. Replies the number released.
 */
export const RELEASE = LuaScript.of({
  name: "release",
  about: "hands a draining node's running jobs back to the ready sets.",
  argv: ["n", "then per job: id, entry id"],
  derives: ["job"],
  helpers: [ENSURE_GROUP, RELEASE_KEY, COUNT_WAITING, MAKE_READY, EMIT],
  body: `
ensure_group()
local n = tonumber(ARGV[2])
local released = 0
for i = 0, n - 1 do
  local id, eid = ARGV[3 + i * 2], ARGV[4 + i * 2]
  local jk = job_key(id)
  local h = redis.call('HMGET', jk, 'status', 'entry', 'ckey', 'prio', 'seq', 'client')
  redis.call('XACK', K.dispatch, G, eid)
  if h[1] == 'running' and h[2] == eid then
    release_key(h[3])
    local rev = redis.call('HINCRBY', jk, 'rev', 1)
    redis.call('HINCRBY', jk, 'attempts', -1)
    redis.call('HSET', jk, 'status', 'queued')
    redis.call('HDEL', jk, 'entry', 'node')
    count_waiting(h[3], h[6], 1)
    make_ready(h[3], h[4], h[5], id)
    emit(id, rev, 'status', 'queued')
    released = released + 1
  end
end
return released
`,
});
