/**
 * A Server-Sent Events response body that is pulled, never pushed: the next event is made only
 * when the runtime asks for more bytes, so a client that stops reading costs one event, not a
 * growing buffer. A client that has not taken the last event within `stallMs` is cut off.
 * (Deno's server reads a little ahead of the socket, so a stall shows there once the frames
 * waiting are bigger than its buffer: a quiet job's keep-alives can sit in it unread, costing
 * bytes, not a growing amount.)
 *
 * @module
 */

/** Where the events of one stream come from. */
export interface SseSource {
  /**
   * The next frame, already in SSE wire form (`event: …\ndata: …\n\n`), or `undefined` to end the
   * stream. Called again only after the runtime took the previous frame.
   */
  next(): Promise<string | undefined>;
  /** The stream ended (the last frame was sent, the client left, or it was cut off). */
  end(): void;
}

/** Options of {@linkcode sseBody}. */
export interface SseBodyOptions {
  /**
   * How long the runtime may leave a frame untaken before the client is judged stalled and the
   * connection is cut. @default {30000}
   */
  stallMs?: number;
  /** Called when a stalled client was cut off. */
  onStall?: () => void;
}

const encoder = new TextEncoder();

/**
 * Formats one SSE frame. Data is JSON (no line breaks), the id and event names are ours.
 *
 * @example
 * ```ts
 * import { sseFrame } from "./sse_body.ts";
 * console.log(sseFrame({ event: "status", id: "3", data: "{}" })); // event: status\nid: 3\ndata: {}\n\n
 * ```
 */
export function sseFrame(frame: { event?: string; id?: string; data: string }): string {
  let text = "";
  if (frame.event) text += `event: ${frame.event}\n`;
  if (frame.id !== undefined) text += `id: ${frame.id}\n`;
  return `${text}data: ${frame.data}\n\n`;
}

/**
 * The body of an event stream over `source`: a `ReadableStream` with no queue of its own (high
 * water mark 0), so that `source.next()` runs only when the runtime reads, that is, when the
 * client's socket has room.
 *
 * @example
 * ```ts
 * import { sseBody } from "./sse_body.ts";
 * let n = 0;
 * const body = sseBody({
 *   next: () => Promise.resolve(n < 2 ? `data: ${n++}\n\n` : undefined),
 *   end: () => {},
 * });
 * console.log(await new Response(body).text()); // data: 0\n\ndata: 1\n\n
 * ```
 */
export function sseBody(
  source: SseSource,
  options: SseBodyOptions = {},
): ReadableStream<Uint8Array> {
  const stallMs = options.stallMs ?? 30_000;
  let stall: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  const end = (): void => {
    clearTimeout(stall);
    if (ended) return;
    ended = true;
    source.end();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The runtime asked for more: the client is keeping up.
      clearTimeout(stall);
      let frame: string | undefined;
      try {
        frame = await source.next();
      } catch (e) {
        end();
        controller.error(e);
        return;
      }
      if (ended) return;
      if (frame === undefined) {
        end();
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(frame));
      // Until the runtime pulls again, the frame sits untaken: past stallMs the client is not
      // reading, and erroring the body is what makes the runtime drop the connection (closing it
      // would wait for the socket to drain, which a stalled client never lets happen).
      stall = setTimeout(() => {
        if (ended) return;
        end();
        options.onStall?.();
        controller.error(new Error("The client stopped reading its event stream"));
      }, stallMs);
    },
    cancel() {
      end();
    },
  }, { highWaterMark: 0 });
}
