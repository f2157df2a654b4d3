/**
 * The Lua helpers the queue's scripts share, each with the fixed keys (KEYS) and derived key
 * families it touches and the helpers it calls: a script lists the helpers it uses, and
 * {@linkcode LuaScript} includes those, their own needs, and no other, and declares their keys.
 *
 * @module
 */
import type { DerivedKey, FixedKey } from "../redis_keys.ts";
import { GROUP } from "../redis_keys.ts";

/** Events kept in the events stream (approximately; it is trimmed as it grows). */
export const EVENTS_KEPT = 10_000;

/** One shared Lua function. */
export interface LuaHelper {
  /** The Lua source: one or more `local function`s. */
  lua: string;
  /** Fixed keys it reads or writes, as `K.<name>`. */
  keys?: readonly FixedKey[];
  /** Key families it builds from the prefix. */
  derives?: readonly DerivedKey[];
  /** Helpers it calls, included before it. */
  needs?: readonly LuaHelper[];
}

/** `now_ms()`: Redis's own clock, so that every node agrees on times and delays. */
export const NOW_MS: LuaHelper = {
  lua: `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`,
};

/**
 * `ensure_group()`: after Redis lost its data (a restart without AOF) the group is gone and
 * XREADGROUP, XACK and XAUTOCLAIM fail with NOGROUP: it creates it again (BUSYGROUP, when it
 * exists, is ignored). Also defines `G`, the group's name.
 */
export const ENSURE_GROUP: LuaHelper = {
  keys: ["dispatch"],
  lua: `local G = '${GROUP}'
local function ensure_group()
  redis.pcall('XGROUP', 'CREATE', K.dispatch, G, '0', 'MKSTREAM')
end`,
};

/**
 * `in_group(...)`: a command on the group (XREADGROUP, XACK) that makes the group again when
 * Redis lost it (NOGROUP) and tries once more; cheaper than {@linkcode ENSURE_GROUP} on every
 * call, as the group is almost always there.
 */
export const IN_GROUP: LuaHelper = {
  needs: [ENSURE_GROUP],
  lua: `local function in_group(...)
  local r = redis.pcall(...)
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'NOGROUP', 1, true) then error(r.err) end
    ensure_group()
    return redis.call(...)
  end
  return r
end`,
};

/** `emit(id, rev, kind, status)`: announces a change on the events stream. */
export const EMIT: LuaHelper = {
  keys: ["events"],
  lua: `local function emit(id, rev, kind, status)
  redis.call('XADD', K.events, 'MAXLEN', '~', ${EVENTS_KEPT}, '*',
    'id', id, 'rev', rev, 'kind', kind, 'status', status)
end`,
};

/**
 * `add_event(ev, id, rev, kind, status)` gathers changes into `ev`, and `emit_all(ev)` writes
 * them: one entry of the events stream carries up to 500 changes (the fields of each repeated
 * in order), so a batch of jobs costs one XADD, not one per job. The stream is trimmed to about
 * as many changes as with one entry per change (EVENTS_KEPT), not as many entries.
 */
export const EMIT_MANY: LuaHelper = {
  keys: ["events"],
  lua: `local function add_event(ev, id, rev, kind, status)
  local n = #ev
  ev[n + 1], ev[n + 2], ev[n + 3], ev[n + 4] = 'id', id, 'rev', rev
  ev[n + 5], ev[n + 6], ev[n + 7], ev[n + 8] = 'kind', kind, 'status', status
end
local function emit_all(ev)
  for s = 1, #ev, 4000 do
    local last = math.min(s + 3999, #ev)
    -- The stream keeps about as many changes as it would with one entry each.
    local keep = math.max(20, math.floor(${EVENTS_KEPT} * 8 / (last - s + 1)))
    redis.call('XADD', K.events, 'MAXLEN', '~', keep, '*', unpack(ev, s, last))
  end
end`,
};

/**
 * `tally(t, name, delta)` adds to a count kept in a Lua table, and `bump_all(hash, t)` writes
 * the counts with {@linkcode BUMP}: a script that changes many jobs writes each counter once.
 */
export const TALLY: LuaHelper = {
  lua: `local function tally(t, name, delta)
  t[name] = (t[name] or 0) + delta
end`,
};

/**
 * `call_many(head, args, per)`: one command with many arguments after `head`, in slices
 * of `per` (Lua's unpack() has a limit on how many values it spreads); `per` is even for
 * pairs.
 */
export const CALL_MANY: LuaHelper = {
  lua: `local function call_many(head, args, per)
  for s = 1, #args, per do
    local c = {unpack(head)}
    for i = s, math.min(s + per - 1, #args) do c[#c + 1] = args[i] end
    redis.call(unpack(c))
  end
end`,
};

/**
 * `ready_member(seq, id)`: a job's member in its key's ready set, the zero-padded submission
 * number and the id, so that equal priorities keep submission order. Made from the job's `seq`
 * when needed, not stored in its hash.
 */
export const READY_MEMBER: LuaHelper = {
  lua: `local function ready_member(seq, id)
  return string.format('%016d', tonumber(seq)) .. ':' .. id
end`,
};

/**
 * `make_ready(ckey, prio, seq, id)`: one sorted set per concurrency key (score: priority; member:
 * see {@linkcode READY_MEMBER}) and the key's place in `turns`, the rotation between keys.
 */
export const MAKE_READY: LuaHelper = {
  keys: ["turns"],
  derives: ["ready"],
  needs: [READY_MEMBER],
  lua: `local function make_ready(ckey, prio, seq, id)
  redis.call('ZADD', ready_key(ckey), prio, ready_member(seq, id))
  -- A key new to the rotation scores 0, before every key served already: it is due next, as in
  -- the in-memory ReadyQueue, so an idle tenant waits at most one turn.
  redis.call('ZADD', K.turns, 'NX', 0, ckey)
end`,
};

/** `bump(hash, field, delta)`: a counter in a hash that leaves the hash at zero. */
export const BUMP: LuaHelper = {
  lua: `local function bump(h, f, delta)
  if redis.call('HINCRBY', h, f, delta) <= 0 then redis.call('HDEL', h, f) end
end`,
};

/** `bump_all(hash, t)`: {@linkcode BUMP} for every name counted in `t` (see {@linkcode TALLY}). */
export const BUMP_ALL: LuaHelper = {
  needs: [BUMP],
  lua: `local function bump_all(h, t)
  for f, delta in pairs(t) do
    if delta ~= 0 then bump(h, f, delta) end
  end
end`,
};

/**
 * `add_bytes(jk, delta)`: the bytes of payloads (request, result, error, progress) the queue
 * keeps, per job in its hash's 'bytes' field, in all in `bytes` (the --max-store-bytes bound),
 * and per concurrency key and client in `kbytes` and `cbytes` (their shares of it). Every write
 * of a payload goes through it, so the counts are exact: the lengths are Redis's own.
 */
export const ADD_BYTES: LuaHelper = {
  keys: ["bytes", "kbytes", "cbytes"],
  needs: [BUMP],
  lua: `local function add_bytes(jk, delta)
  if delta ~= 0 then
    redis.call('HINCRBY', jk, 'bytes', delta)
    redis.call('INCRBY', K.bytes, delta)
    local t = redis.call('HMGET', jk, 'ckey', 'client')
    bump(K.kbytes, t[1] or '', delta)
    if t[2] then bump(K.cbytes, t[2], delta) end
  end
end`,
};

/** `set_payload(jk, field, value)`: writes a payload, counting its bytes. */
export const SET_PAYLOAD: LuaHelper = {
  needs: [ADD_BYTES],
  lua: `local function set_payload(jk, field, value)
  add_bytes(jk, #value - redis.call('HSTRLEN', jk, field))
  redis.call('HSET', jk, field, value)
end`,
};

/** `drop_payload(jk, field)`: deletes a payload, counting its bytes off. */
export const DROP_PAYLOAD: LuaHelper = {
  needs: [ADD_BYTES],
  lua: `local function drop_payload(jk, field)
  add_bytes(jk, -redis.call('HSTRLEN', jk, field))
  redis.call('HDEL', jk, field)
end`,
};

/**
 * `count_waiting(ckey, client, delta)`: queued and delayed jobs, in all (--max-queue), per
 * concurrency key (--max-queue-per-key) and per client (--max-queue-per-client).
 */
export const COUNT_WAITING: LuaHelper = {
  keys: ["waiting", "wkey", "wclient"],
  needs: [BUMP],
  lua: `local function count_waiting(ckey, client, delta)
  redis.call('INCRBY', K.waiting, delta)
  bump(K.wkey, ckey or '', delta)
  if client and client ~= '' then bump(K.wclient, client, delta) end
end`,
};

/** `release_key(ckey)`: one job of the key fewer running, on all nodes. */
export const RELEASE_KEY: LuaHelper = {
  keys: ["running"],
  lua: `local function release_key(ckey)
  if redis.call('HINCRBY', K.running, ckey, -1) <= 0 then
    redis.call('HDEL', K.running, ckey)
  end
end`,
};

/**
 * `finish(jk, id, status, field, payload, now)`: a job's final state, its result or error
 * recorded set-if-absent (never overwritten), counted in `recorded`, due to expire from
 * `finished`; a job naming a webhook gets its delivery in `hooks` in the same step
 * (webhook_scripts.ts).
 */
export const FINISH_JOB: LuaHelper = {
  keys: ["finished", "recorded", "hooks"],
  needs: [ADD_BYTES, EMIT],
  lua: `local function finish(jk, id, status, field, payload, now)
  local rev = redis.call('HINCRBY', jk, 'rev', 1)
  redis.call('HSET', jk, 'status', status, 'finishedAt', now)
  if redis.call('HSETNX', jk, field, payload) == 1 then add_bytes(jk, #payload) end
  redis.call('HDEL', jk, 'entry', 'node')
  redis.call('ZADD', K.finished, now, id)
  if redis.call('HEXISTS', jk, 'webhook') == 1 then redis.call('ZADD', K.hooks, 'NX', now, id) end
  redis.call('INCR', K.recorded)
  emit(id, rev, 'status', status)
end`,
};

/** `promote(now, limit)`: moves delayed jobs that are due to their key's ready set. */
export const PROMOTE: LuaHelper = {
  keys: ["delayed"],
  derives: ["job"],
  needs: [MAKE_READY, EMIT],
  lua: `local function promote(now, limit)
  local due = redis.call('ZRANGEBYSCORE', K.delayed, '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(due) do
    redis.call('ZREM', K.delayed, id)
    local jk = job_key(id)
    local h = redis.call('HMGET', jk, 'status', 'ckey', 'prio', 'seq')
    if h[1] == 'delayed' then
      local rev = redis.call('HINCRBY', jk, 'rev', 1)
      redis.call('HSET', jk, 'status', 'queued')
      make_ready(h[2], h[3], h[4], id)
      emit(id, rev, 'status', 'queued')
    end
  end
  return #due
end`,
};
