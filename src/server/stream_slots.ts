/**
 * The open event streams of one server, capped in all and per client, so that neither one
 * client nor many can hold the server's memory and file descriptors with streams.
 *
 * @module
 */
import { ApiError } from "./api_error.ts";

/** Options of {@linkcode StreamSlots}. */
export interface StreamSlotsOptions {
  /** Event streams open at once, at most. */
  max: number;
  /** Event streams one client (its address) may hold open at once, at most. */
  maxPerClient: number;
}

/**
 * Counts open streams and refuses one past a cap with `429 too_many_streams`.
 *
 * @example
 * ```ts
 * import { StreamSlots } from "./stream_slots.ts";
 * const slots = new StreamSlots({ max: 10, maxPerClient: 1 });
 * const release = slots.acquire("127.0.0.1");
 * try {
 *   slots.acquire("127.0.0.1");
 * } catch (e) {
 *   console.log((e as { code: string }).code); // too_many_streams
 * }
 * release();
 * console.log(slots.open); // 0
 * ```
 */
export class StreamSlots {
  #open = 0;
  readonly #perClient = new Map<string, number>();
  readonly #options: StreamSlotsOptions;

  /** Slots under the caps `options` sets. */
  constructor(options: StreamSlotsOptions) {
    this.#options = options;
  }

  /** Streams open now. */
  get open(): number {
    return this.#open;
  }

  /**
   * Takes a slot for `client` (no cap per client when its address is unknown), or throws
   * `ApiError(429, "too_many_streams")` naming the cap reached. Returns the release function;
   * calling it more than once releases once.
   */
  acquire(client: string | undefined): () => void {
    const { max, maxPerClient } = this.#options;
    const mine = client === undefined ? 0 : this.#perClient.get(client) ?? 0;
    if (this.#open >= max) {
      throw new ApiError(
        429,
        "too_many_streams",
        `The server has ${max} event streams open, its limit (maxStreams): retry later`,
        { "Retry-After": "5" },
      );
    }
    if (mine >= maxPerClient) {
      throw new ApiError(
        429,
        "too_many_streams",
        `This client has ${maxPerClient} event streams open, its limit (maxStreamsPerClient): ` +
          "close one first",
        { "Retry-After": "5" },
      );
    }
    this.#open++;
    if (client !== undefined) this.#perClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      if (client === undefined) return;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    };
  }
}
