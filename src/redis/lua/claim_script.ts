/**
 * The claim scripts: a node's heartbeat (it renews its claim on the jobs it runs) and the
 * takeover of jobs whose node stopped renewing (it died), with the dead-letter rule.
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { DROP_PAYLOAD, ENSURE_GROUP, FINISH_JOB, NOW_MS, RELEASE_KEY } from "./helpers.ts";

/**
 * Records the node's heartbeat, and claims its entries again to itself (XCLAIM … JUSTID: the
 * idle time restarts, the delivery count does not grow), but only those still its own: a job
 * another node took over, or one cancelled, is not claimed back. Replies the job ids no longer
 * this node's, so that it aborts them.
 */
export const HEARTBEAT = LuaScript.of({
  name: "heartbeat",
  about: "records a node's heartbeat and renews its claims on the jobs it runs.",
  argv: ["consumer (the node id)", "node info JSON", "then pairs: entry id, job id"],
  keys: ["nodes", "beats"],
  derives: ["job"],
  helpers: [NOW_MS, ENSURE_GROUP],
  body: `
ensure_group()
local consumer = ARGV[2]
redis.call('HSET', K.nodes, consumer, ARGV[3])
redis.call('HSET', K.beats, consumer, now_ms())
local mine, lost = {}, {}
for i = 4, #ARGV, 2 do
  local eid, id = ARGV[i], ARGV[i + 1]
  local h = redis.call('HMGET', job_key(id), 'status', 'entry', 'node')
  if h[1] == 'running' and h[2] == eid and h[3] == consumer then
    mine[#mine + 1] = eid
  else
    lost[#lost + 1] = id
  end
end
-- In slices: Lua's unpack() has a limit on how many values it spreads.
for s = 1, #mine, 1000 do
  local slice = {unpack(mine, s, math.min(s + 999, #mine))}
  slice[#slice + 1] = 'JUSTID'
  redis.call('XCLAIM', K.dispatch, G, consumer, 0, unpack(slice))
end
return lost
`,
});

/**
 * Takes over entries idle longer than minIdleMs (their node stopped renewing them: it died or
 * hangs) with XAUTOCLAIM from the cursor `start`, which counts one more delivery. An entry
 * delivered more than maxDeliveries times is a poison job (every node that took it died): it goes
 * to the dead-letter stream (its copy of the request counted in the queue's bytes until upkeep
 * trims it, after the jobs' time to live) and the job fails. Entries of jobs no longer running
 * under them are only acknowledged. Replies, like TAKE, a flat list of (entry id, job id, request
 * JSON, attempts, concurrency key), then XAUTOCLAIM's cursor: XAUTOCLAIM looks at no more than ten
 * times `count` entries a call, so renewed entries of live nodes ahead of a dead node's could hide
 * them from a scan that always began at the start; the caller goes on from the cursor ('0-0' once
 * the scan came round).
 */
export const RECLAIM = LuaScript.of({
  name: "reclaim",
  about: "takes over the runs of nodes that stopped renewing them; poison jobs to dead letter.",
  argv: ["consumer", "minIdleMs", "count", "maxDeliveries", "poison error JSON", "start cursor"],
  keys: ["dead", "bytes"],
  derives: ["job"],
  helpers: [NOW_MS, ENSURE_GROUP, RELEASE_KEY, DROP_PAYLOAD, FINISH_JOB],
  body: `
ensure_group()
local consumer, min_idle, count, max_deliveries = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local r = redis.call('XAUTOCLAIM', K.dispatch, G, consumer, min_idle, ARGV[7] or '0-0', 'COUNT', count)
local out = {}
local now = now_ms()
for _, e in ipairs(r[2]) do
  local eid = e[1]
  local id = e[2] and e[2][2]
  local p = redis.call('XPENDING', K.dispatch, G, eid, eid, 1)
  local deliveries = (p[1] and tonumber(p[1][4])) or 1
  local jk = job_key(id or '')
  local h = redis.call('HMGET', jk, 'status', 'entry', 'ckey', 'request', 'attempts')
  if not id or h[1] ~= 'running' or h[2] ~= eid then
    redis.call('XACK', K.dispatch, G, eid)
  elseif deliveries > max_deliveries then
    redis.call('XADD', K.dead, '*', 'id', id, 'entry', eid, 'deliveries', deliveries,
      'request', h[4], 'bytes', #h[4])
    -- The dead letter's copy of the request is kept too: it counts until upkeep trims it.
    redis.call('INCRBY', K.bytes, #h[4])
    redis.call('XACK', K.dispatch, G, eid)
    release_key(h[3])
    drop_payload(jk, 'error')
    finish(jk, id, 'failed', 'error', ARGV[6], now)
  else
    redis.call('HSET', jk, 'node', consumer)
    out[#out + 1] = eid
    out[#out + 1] = id
    out[#out + 1] = h[4]
    out[#out + 1] = h[5]
    out[#out + 1] = h[3]
  end
end
out[#out + 1] = r[1]
return out
`,
});

/**
 * The runs this node holds in Redis (pending in the group under its name, the job running with
 * that entry and this node) for it to compare with the runs it knows: a take that ran in Redis
 * whose reply was lost with the connection left its jobs here, claimed by this node and run by
 * none. Read only. Replies, like TAKE, a flat list of (entry id, job id, request JSON, attempts,
 * concurrency key).
 */
export const HELD = LuaScript.of({
  name: "held",
  about: "lists the runs a node holds in Redis, to find those it never heard of.",
  argv: ["consumer", "count"],
  keys: [],
  derives: ["job"],
  helpers: [ENSURE_GROUP],
  body: `
ensure_group()
local consumer, count = ARGV[2], tonumber(ARGV[3])
local out = {}
for _, p in ipairs(redis.call('XPENDING', K.dispatch, G, '-', '+', count, consumer)) do
  local eid = p[1]
  local e = redis.call('XRANGE', K.dispatch, eid, eid)[1]
  local id = e and e[2][2]
  if id then
    local h = redis.call('HMGET', job_key(id), 'status', 'entry', 'node', 'request', 'attempts', 'ckey')
    if h[1] == 'running' and h[2] == eid and h[3] == consumer then
      out[#out + 1] = eid
      out[#out + 1] = id
      out[#out + 1] = h[4]
      out[#out + 1] = h[5]
      out[#out + 1] = h[6] or ''
    end
  end
end
return out
`,
});
