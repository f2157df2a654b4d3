// Helpers of the Redis outage tests: a request that fails (instead of hanging) past a bound and
// says how long it took, the first dashboard snapshot, and counts read straight from Redis.
import { call } from "../server/server_helpers.ts";
import type { Answer } from "../server/server_helpers.ts";
import type { RedisLink } from "../../redis.ts";

export const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
export const runtimeKey: "deno" | "bun" = isDeno ? "deno" : "bun";

/** `call` bounded by `boundMs` (a hang fails the test), with the time it took in ms. */
export async function timed(
  url: string,
  init: RequestInit & { json?: unknown } = {},
  boundMs = 10_000,
): Promise<Answer & { ms: number }> {
  const t0 = performance.now();
  const answer = await call(url, { ...init, signal: AbortSignal.timeout(boundMs) });
  return { ...answer, ms: performance.now() - t0 };
}

/** The first snapshot `GET /dashboard/events` sends, parsed. */
export async function firstSnapshot(url: string): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const res = await fetch(`${url}/dashboard/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the dashboard stream ended: ${text}`);
      text += decoder.decode(value, { stream: true });
      const m = /event: snapshot\ndata: (.*)\n/.exec(text);
      if (m) return JSON.parse(m[1]);
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Jobs the queue holds (under the default prefix). */
export async function jobCount(link: RedisLink): Promise<number> {
  return Number(await link.send(["ZCARD", "{workloom}:jobs"]));
}

/** Outcomes the queue recorded (the finish script counts each once). */
export async function recorded(link: RedisLink): Promise<number> {
  return Number((await link.send(["GET", "{workloom}:recorded"])) ?? 0);
}

/** A job's status, read straight from Redis. */
export async function statusOf(link: RedisLink, id: string): Promise<string | null> {
  return (await link.send(["HGET", `{workloom}:job:${id}`, "status"])) as string | null;
}
