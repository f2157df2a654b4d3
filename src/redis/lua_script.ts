/**
 * Running a Lua script by its SHA-1 (EVALSHA), loading it again when Redis forgot it (a restart
 * empties the script cache: NOSCRIPT).
 *
 * @module
 */
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import type { LuaHelper } from "./lua/helpers.ts";
import {
  DERIVED,
  type DerivedKey,
  FIXED,
  type FixedKey,
  LUA_KEY_HELPERS,
  type RedisKeys,
} from "./redis_keys.ts";
import { monotonicNow, type RedisLink, retryAfterFor, type SendOptions } from "./redis_link.ts";

/** What a guarded script answers when Redis ran it after its deadline. */
const LATE = "workloom:late";

/**
 * Put after a script's declarations: takes the deadline (Redis time, ms) off the end of ARGV, so
 * the script below sees its arguments unchanged, and refuses to run past it.
 */
const GUARD = `local not_after = tonumber(table.remove(ARGV))
local clock = redis.call('TIME')
if tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) > not_after then
  return '${LATE}'
end
`;

/** How a script is run. */
export interface RunOptions extends SendOptions {
  /**
   * Refuse to run once the caller stopped waiting: for commands whose caller answers 503 at the
   * deadline (a submission, a cancel), so that a Redis that stalled and then resumes does not
   * run them behind the client's back. Redis checks its own clock against the deadline, less a
   * quarter of it for the reply's way back.
   */
  withinDeadline?: boolean;
}

/** What a script is made of: its header, the keys and helpers it uses, its body. */
export interface ScriptParts {
  /** The script's name, as its header names it. */
  name: string;
  /** What it does, for its header. */
  about: string;
  /** Its ARGV after ARGV[1] (the prefix), one line each, from ARGV[2] on. */
  argv: readonly string[];
  /** The fixed keys its body touches, as `K.<name>` (its helpers add theirs). */
  keys?: readonly FixedKey[];
  /** The key families its body builds from the prefix (its helpers add theirs). */
  derives?: readonly DerivedKey[];
  /** The helpers its body calls. */
  helpers?: readonly LuaHelper[];
  /** The Lua that does the work, after the declarations. */
  body: string;
}

/** The helpers `list` needs, each once, every helper after those it calls. */
function closure(list: readonly LuaHelper[]): LuaHelper[] {
  const out: LuaHelper[] = [];
  const visit = (h: LuaHelper) => {
    if (out.includes(h)) return;
    for (const n of h.needs ?? []) visit(n);
    out.push(h);
  };
  list.forEach(visit);
  return out;
}

/**
 * A Lua script of the queue, laid out like BullMQ's commands: a header that lists its KEYS[n],
 * ARGV[n] and the key families it derives from the prefix, then `P` (the prefix), `K` (its
 * KEYS by name), the derived-key builders and helpers it uses (and no other), and its body.
 * Its KEYS end with the queue's `moving` key, never written: see {@linkcode FIXED}.
 *
 * @example
 * ```ts ignore
 * import { LuaScript } from "./lua_script.ts";
 * const SEQ = LuaScript.of({
 *   name: "seq", about: "Reads the submission counter.", argv: [], keys: ["seq"],
 *   body: "return redis.call('GET', K.seq)",
 * });
 * console.log(await SEQ.run(link, redisKeys("workloom"), []));
 * ```
 */
export class LuaScript {
  /** The keys it receives, in KEYS order (`moving` last). */
  readonly keys: readonly FixedKey[];
  /** The header and declarations; the deadline guard goes after them. */
  readonly head: string;
  /** The rest of the source. */
  readonly body: string;
  #sha?: Promise<string>;
  #guarded?: LuaScript;

  constructor(keys: readonly FixedKey[], head: string, body: string) {
    this.keys = keys;
    this.head = head;
    this.body = body;
  }

  /** Builds a script from its parts (see {@linkcode ScriptParts}). */
  static of(parts: ScriptParts): LuaScript {
    const helpers = closure(parts.helpers ?? []);
    const keys: FixedKey[] = [
      ...new Set([...(parts.keys ?? []), ...helpers.flatMap((h) => h.keys ?? [])]),
    ]
      .filter((k) => k !== "moving");
    keys.push("moving");
    const derives = [
      ...new Set([...(parts.derives ?? []), ...helpers.flatMap((h) => h.derives ?? [])]),
    ];
    const head = [
      "--[[",
      `  ${parts.name}: ${parts.about}`,
      "",
      "  Input (every key under the queue's hash-tagged prefix P, so all in one hash slot):",
      ...keys.map((k, i) => `    KEYS[${i + 1}] P${FIXED[k]}`),
      "    ARGV[1] P, the prefix",
      ...parts.argv.map((a, i) => `    ARGV[${i + 2}] ${a}`),
      ...(derives.length === 0
        ? []
        : ["  Derives from P:", ...derives.map((d) => `    P${DERIVED[d]}<name>`)]),
      "]]",
      "local P = ARGV[1]",
      `local K = { ${keys.map((k, i) => `${k} = KEYS[${i + 1}]`).join(", ")} }`,
      ...derives.map((d) => LUA_KEY_HELPERS[d]),
      "",
    ].join("\n");
    const body = [...helpers.map((h) => h.lua), parts.body.trim(), ""].join("\n");
    return new LuaScript(keys, head, body);
  }

  /** The whole source, as Redis gets it. */
  get source(): string {
    return this.head + this.body;
  }

  /** The hex SHA-1 of the source, as Redis names the script. */
  sha(): Promise<string> {
    this.#sha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(this.source)).then(
      (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join(""),
    );
    return this.#sha;
  }

  /**
   * Runs the script on the queue `keys` with ARGV[1] its prefix and `args` after it. Its KEYS
   * are the queue's keys it declares: a cluster client sends it to the master of their slot.
   */
  async run(
    link: RedisLink,
    keys: RedisKeys,
    args: readonly (string | number)[],
    options: RunOptions = {},
  ): Promise<unknown> {
    if (options.withinDeadline) {
      this.#guarded ??= new LuaScript(this.keys, this.head, GUARD + this.body);
      const notAfter = Math.floor(
        monotonicNow() + link.clockOffsetMs + (link.commandTimeoutMs * 3) / 4,
      );
      const { late } = options;
      const reply = await this.#guarded.run(link, keys, [...args, notAfter], {
        withinDeadline: false,
        extraMs: options.extraMs,
        // A refusal that comes late is nothing to hear.
        late: late && ((r) => r === LATE ? undefined : late(r)),
      });
      if (reply === LATE) {
        throw new QueueUnavailableError(
          "Redis ran the command after its deadline and refused it",
          retryAfterFor(link.commandTimeoutMs),
        );
      }
      return reply;
    }
    const sha = await this.sha();
    const tail = [this.keys.length, ...this.keys.map((k) => keys[k]), keys.prefix, ...args];
    try {
      return await link.send(["EVALSHA", sha, ...tail], options);
    } catch (e) {
      if (!String((e as Error)?.message).startsWith("NOSCRIPT")) throw e;
      return link.send(["EVAL", this.source, ...tail], options);
    }
  }
}
