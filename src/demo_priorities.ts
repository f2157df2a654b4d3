/**
 * The demo's `run()` calls with priorities: a mix of tasks queued in one turn, listed in the
 * order the scheduler sent them to workers next to the order they were queued in.
 *
 * @module
 */
import type { DemoTaskModule } from "./demo.ts";
import { grouped, kv, type Out } from "./demo_lines.ts";
import { formatBytes } from "./format_bytes.ts";
import type { Pool } from "./pool.ts";
import { formatMs, formatTable } from "./text_format.ts";

const MiB = 1 << 20;

function bytes(seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(MiB);
  for (let i = 0; i < b.length; i++) b[i] = (i * seed) & 0xff;
  return b;
}

function page(title: string): Parameters<DemoTaskModule["renderPage"]>[0] {
  const rows = Array.from({ length: 40 }, (_, i) => ({
    name: `item ${i} <${title}>`,
    qty: 1 + (i % 4),
    price: 2.5 + i,
  }));
  return { title, rows };
}

/**
 * Queues background fetches, checksums and page renders at different priorities, then an urgent
 * render last, and prints the order they left the queue in.
 *
 * @example
 * ```ts ignore
 * import { demoPriorities } from "./demo_priorities.ts";
 * await demoPriorities(pool, console.log);
 * ```
 */
export async function demoPriorities(pool: Pool<DemoTaskModule>, out: Out): Promise<void> {
  const html = (h: string): string => `${grouped(h.length)} chars of HTML`;
  const calls: { name: string; priority: number; start: () => Promise<string> }[] = [
    ...[1, 2, 3].map((id) => ({
      name: "fetchRecord",
      priority: 2,
      start: () =>
        pool.run("fetchRecord", { id, latencyMs: 10 * id }, { priority: 2 })
          .then((r) => `${r.name} after ${r.latencyMs} ms`),
    })),
    ...[7, 13].map((seed) => ({
      name: "checksum",
      priority: 1,
      start: () => {
        const b = bytes(seed);
        return pool.run("checksum", b, { priority: 1, transfer: [b.buffer] })
          .then((c) => `crc32 ${c.toString(16).padStart(8, "0")} of ${formatBytes(MiB)}`);
      },
    })),
    ...["orders", "invoices"].map((title) => ({
      name: "renderPage",
      priority: 0,
      start: () => pool.run("renderPage", page(title)).then(html),
    })),
    {
      name: "renderPage",
      priority: -1,
      start: () => pool.run("renderPage", page("urgent"), { priority: -1 }).then(html),
    },
  ];

  // run() queues synchronously, so task ids map to calls by queueing order.
  const queuedAs = new Map<number, number>();
  const sent: number[] = [];
  const offQueued = pool.on("taskQueued", (e) => queuedAs.set(e.id, queuedAs.size));
  const offStarted = pool.on("taskStarted", (e) => sent.push(e.id));
  const t0 = performance.now();
  // Every call is made in this one turn, so all of them sit in the queue before the first
  // dispatch: the order they leave it in is the scheduler's, not the order of the calls.
  const results = await Promise.all(calls.map((c) => c.start()));
  const wallMs = performance.now() - t0;
  offQueued();
  offStarted();

  const rows = sent.map((id, i) => {
    const q = queuedAs.get(id)!;
    return [String(i + 1), String(q + 1), calls[q].name, String(calls[q].priority), results[q]];
  });
  out(["", `run() with priorities: ${calls.length} tasks queued at once, lower number first`]);
  const align = ["r", "r", "l", "r", "l"] as const;
  out(formatTable(["sent", "queued", "task", "priority", "result"], rows, { align }));
  out(kv([["all done in", formatMs(wallMs)]]));
}
