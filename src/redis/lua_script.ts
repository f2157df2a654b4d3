/**
 * Running a Lua script by its SHA-1 (EVALSHA), loading it again when Redis forgot it (a restart
 * empties the script cache: NOSCRIPT).
 *
 * @module
 */
import type { RedisLink } from "./redis_link.ts";

/** A Lua script and its SHA-1, computed once. */
export class LuaScript {
  readonly source: string;
  #sha?: Promise<string>;

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
  async run(link: RedisLink, args: readonly (string | number)[]): Promise<unknown> {
    const sha = await this.sha();
    try {
      return await link.send(["EVALSHA", sha, 0, ...args]);
    } catch (e) {
      if (!String((e as Error)?.message).startsWith("NOSCRIPT")) throw e;
      return link.send(["EVAL", this.source, 0, ...args]);
    }
  }
}
