/**
 * The scripts of streamed jobs' chunks on Redis: appending a batch of chunks to each job's chunk
 * stream (its replay window, bounded in bytes), and letting finished jobs' chunks go once they
 * were kept long enough. A job's chunk window is counted in its hash (`cwin`, the bytes kept;
 * `cdrop`, the chunks let go; `cuntil`, the event id of the last one let go) and in the queue's
 * byte accounting, through `add_bytes`, like any payload: a job that expires takes them along.
 * `ctotal` counts every chunk the job appended. (No command outside the ACL line of docs/redis.md.)
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { ADD_BYTES, EVENTS_KEPT, NOW_MS } from "./helpers.ts";

/**
 * Appends chunks of running jobs, each only while the job runs under that entry (a run taken
 * over or cancelled appends nothing). Each chunk takes the job's next revision as its event id
 * (its stream entry is `<rev>-0`); past `windowBytes` of chunks the oldest go (the newest one
 * too, if it alone is larger), and the job's hash says how many went and up to which id. One
 * event per job and batch goes on the events stream (kind `chunk`, rev the last chunk's, `from`
 * the first's) for the watchers of every node. Replies 1 per job appended, 0 per job refused.
 */
export const APPEND_CHUNKS = LuaScript.of({
  name: "append-chunks",
  about: "appends chunks to streamed jobs' replay windows, bounded in bytes.",
  argv: [
    "window bytes per job",
    "number of jobs",
    "then per job: id, entry id, number of chunks n, then its n chunks (JSON text)",
  ],
  keys: ["events", "chunked"],
  derives: ["job", "chunks"],
  helpers: [ADD_BYTES],
  body: `
local win = tonumber(ARGV[2])
local jobs = tonumber(ARGV[3])
local at = 4
local out = {}
for _ = 1, jobs do
  local id, eid, n = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  at = at + 3
  local jk = job_key(id)
  local h = redis.call('HMGET', jk, 'status', 'entry', 'rev', 'cwin')
  if h[1] ~= 'running' or h[2] ~= eid then
    out[#out + 1] = 0
  else
    local ck = chunks_key(id)
    local rev = tonumber(h[3] or '0')
    local first = rev + 1
    local added = 0
    for i = 0, n - 1 do
      local d = ARGV[at + i]
      rev = rev + 1
      redis.call('XADD', ck, rev .. '-0', 'd', d)
      added = added + #d
    end
    redis.call('HSET', jk, 'rev', rev)
    redis.call('HINCRBY', jk, 'ctotal', n)
    add_bytes(jk, added)
    local kept = tonumber(h[4] or '0') + added
    if kept > win then
      -- The window: the oldest chunks go until it fits, read in pages from the oldest on.
      local freed, dropped, last = 0, 0, nil
      local from = '-'
      while kept > win do
        local page = redis.call('XRANGE', ck, from, '+', 'COUNT', 64)
        if #page == 0 then break end
        for _, e in ipairs(page) do
          if kept <= win then break end
          local size = #e[2][2]
          kept = kept - size
          freed = freed + size
          dropped = dropped + 1
          last = tonumber(string.match(e[1], '^(%d+)'))
        end
        if last then from = last .. '-1' end
      end
      if last then
        redis.call('XTRIM', ck, 'MINID', (last + 1) .. '-0')
        add_bytes(jk, -freed)
        redis.call('HINCRBY', jk, 'cdrop', dropped)
        redis.call('HSET', jk, 'cuntil', last)
      end
    end
    redis.call('HSET', jk, 'cwin', kept)
    -- Looked at by the sweep from now on: it lets the chunks go once the job ended long enough.
    redis.call('ZADD', K.chunked, 'NX', 0, id)
    redis.call('XADD', K.events, 'MAXLEN', '~', ${EVENTS_KEPT}, '*',
      'id', id, 'rev', rev, 'kind', 'chunk', 'status', 'running', 'from', first)
    out[#out + 1] = 1
  end
  at = at + n
end
return out
`,
});

/**
 * Lets go of the chunks of jobs that ended more than `keepMs` ago (what went stays counted in
 * `cdrop`/`cuntil`, so a late resume gets a gap), and of jobs that expired (their bytes went
 * with their hash). A job still running is looked at again a second later. At most `limit` jobs
 * a run. Replies the number of jobs whose chunks went.
 */
export const SWEEP_CHUNKS = LuaScript.of({
  name: "sweep-chunks",
  about: "lets go of finished jobs' chunks kept long enough, and of expired jobs' chunks.",
  argv: ["keep ms after a job ended", "jobs looked at most"],
  keys: ["chunked"],
  derives: ["job", "chunks"],
  helpers: [NOW_MS, ADD_BYTES],
  body: `
local keep, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local swept = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.chunked, '-inf', now, 'LIMIT', 0, limit)) do
  local jk, ck = job_key(id), chunks_key(id)
  local h = redis.call('HMGET', jk, 'status', 'finishedAt', 'cwin', 'ctotal')
  if not h[1] then
    redis.call('DEL', ck)
    redis.call('ZREM', K.chunked, id)
    swept = swept + 1
  elseif not h[2] then
    redis.call('ZADD', K.chunked, now + math.min(keep, 1000), id)
  elseif tonumber(h[2]) + keep > now then
    redis.call('ZADD', K.chunked, tonumber(h[2]) + keep, id)
  else
    local last = redis.call('XREVRANGE', ck, '+', '-', 'COUNT', 1)[1]
    if last then
      -- Every chunk the job had is let go now: the gap a late resume gets counts them all.
      redis.call('HSET', jk, 'cdrop', h[4], 'cuntil', tonumber(string.match(last[1], '^(%d+)')))
      redis.call('DEL', ck)
    end
    add_bytes(jk, -tonumber(h[3] or '0'))
    redis.call('HSET', jk, 'cwin', 0)
    redis.call('ZREM', K.chunked, id)
    swept = swept + 1
  end
end
return swept
`,
});
