/**
 * Running a Lua script by its SHA-1 (EVALSHA), loading it again when Redis forgot it (a restart
 * empties the script cache: NOSCRIPT).
 *
 * @module
 */
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import { monotonicNow, type RedisLink, retryAfterFor, type SendOptions } from "./redis_link.ts";

/** What a guarded script answers when Redis ran it after its deadline. */
const LATE = "workloom:late";

/**
 * Put before a script's source: takes the deadline (Redis time, ms) off the end of ARGV, so
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

/** A Lua script and its SHA-1, computed once. */
export class LuaScript {
  readonly source: string;
  #sha?: Promise<string>;
  #guarded?: LuaScript;

  constructor(source: string) {
    this.source = source;
  }

  /** The hex SHA-1 of the source, as Redis names the script. */
  sha(): Promise<string> {
    this.#sha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(this.source)).then(
      (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join(""),
    );
    return this.#sha;
  }

  /**
   * Runs the script with `args` (no KEYS: the scripts build their key names from the prefix in
   * ARGV[1], so the queue needs a single Redis, not a cluster).
   *
   * @example
   * ```ts ignore
   * import { LuaScript } from "./lua_script.ts";
   * const one = new LuaScript("return ARGV[1]");
   * console.log(await one.run(link, ["x"])); // "x"
   * ```
   */
  async run(
    link: RedisLink,
    args: readonly (string | number)[],
    options: RunOptions = {},
  ): Promise<unknown> {
    if (options.withinDeadline) {
      this.#guarded ??= new LuaScript(GUARD + this.source);
      const notAfter = Math.floor(
        monotonicNow() + link.clockOffsetMs + (link.commandTimeoutMs * 3) / 4,
      );
      const { late } = options;
      const reply = await this.#guarded.run(link, [...args, notAfter], {
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
    try {
      return await link.send(["EVALSHA", sha, 0, ...args], options);
    } catch (e) {
      if (!String((e as Error)?.message).startsWith("NOSCRIPT")) throw e;
      return link.send(["EVAL", this.source, 0, ...args], options);
    }
  }
}
