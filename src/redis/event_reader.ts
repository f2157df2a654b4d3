/**
 * Reads the events stream with blocking XREAD on a connection of its own (a blocking read
 * stalls every other command on its connection), and hands each batch to the node.
 *
 * @module
 */
import type { RedisLink } from "./redis_link.ts";

/** One change of a job as the events stream carries it. */
export interface QueueEvent {
  id: string;
  rev: number;
  kind: "status" | "progress" | "chunk";
  status: string;
  /** For `chunk`: the event id of the batch's first chunk (`rev` is its last's). */
  from?: number;
}

/** `a < b` for stream ids `ms-seq`. */
function before(a: string, b: string): boolean {
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am < bm || (am === bm && as < bs);
}

/**
 * A loop of blocking reads that ends with `close()`.
 *
 * @example
 * ```ts ignore
 * import { EventReader } from "./event_reader.ts";
 * const reader = new EventReader(blockingLink, "workloom:events", (events) => console.log(events));
 * reader.start();
 * await reader.close();
 * ```
 */
export class EventReader {
  #link: RedisLink;
  #key: string;
  #onEvents: (events: QueueEvent[]) => void;
  #onError: (e: unknown) => void;
  #closed = false;
  #loop?: Promise<void>;

  constructor(
    link: RedisLink,
    key: string,
    onEvents: (events: QueueEvent[]) => void,
    onError: (e: unknown) => void = () => {},
  ) {
    this.#link = link;
    this.#key = key;
    this.#onEvents = onEvents;
    this.#onError = onError;
  }

  /** Starts reading from the newest event on. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops reading and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#link.close({ now: true });
    await this.#loop;
  }

  async #newest(): Promise<string> {
    const last = (await this.#link.send(["XREVRANGE", this.#key, "+", "-", "COUNT", 1])) as [
      string,
      unknown,
    ][];
    return last[0]?.[0] ?? "0-0";
  }

  async #run(): Promise<void> {
    let lastId: string | undefined;
    // Redis out of reach: wait longer between tries, up to a second, not a tight loop.
    let backoff = 50;
    while (!this.#closed) {
      try {
        if (lastId === undefined) lastId = await this.#newest();
        const reply = (await this.#link.send([
          "XREAD",
          "COUNT",
          1000,
          "BLOCK",
          1000,
          "STREAMS",
          this.#key,
          lastId,
        ], { extraMs: 1000 })) as
          | [string, [string, string[]][]][]
          | Record<string, [string, string[]][]>
          | null;
        backoff = 50;
        if (!reply) continue;
        // RESP2's [[key, entries]], or the object node-redis makes of it.
        const entries = Array.isArray(reply) ? reply[0][1] : reply[this.#key];
        const events: QueueEvent[] = [];
        for (const [entryId, f] of entries) {
          lastId = entryId;
          events.push({
            id: f[1],
            rev: Number(f[3]),
            kind: f[5] as QueueEvent["kind"],
            status: f[7],
            ...(f[8] === "from" && { from: Number(f[9]) }),
          });
        }
        this.#onEvents(events);
      } catch (e) {
        if (this.#closed) break;
        this.#onError(e);
        // After a Redis that lost its data came back, its ids start again lower: follow them.
        try {
          const newest = await this.#newest();
          if (lastId !== undefined && before(newest, lastId)) lastId = newest;
        } catch {
          // Still down: the connection reconnects by itself; try again a little later.
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 1000);
        }
      }
    }
  }
}
