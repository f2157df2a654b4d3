// A webhook receiver for the tests: a real HTTP server (node:http, on Deno and Bun alike) that
// records every request and every connection, and answers as the test scripts it.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  path: string;
}

/** What the receiver answers: a status (and headers), or `"hang"` (never answers). */
export type Answer = number | "hang" | { status: number; headers: Record<string, string> };

/** A running receiver. */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** TCP connections accepted so far (a refused delivery must make none). */
  connections: number;
  close(): Promise<void>;
}

/** Starts a receiver on `host` (127.0.0.1 by default); `answer(n)` answers its n-th request. */
export async function startReceiver(
  answer: (n: number, r: Received) => Answer = () => 200,
  host = "127.0.0.1",
): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const state = { connections: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
      const r = { headers, body, path: req.url ?? "" };
      received.push(r);
      const a = answer(received.length, r);
      if (a === "hang") return void hanging.push(res);
      const { status, headers: extra } = typeof a === "number" ? { status: a, headers: {} } : a;
      res.writeHead(status, extra);
      res.end("ok");
    });
  });
  server.on("connection", () => state.connections++);
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/hook`,
    port,
    received,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/** A Standard Webhooks secret of 32 random bytes. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}
