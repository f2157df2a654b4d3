// A POST over a raw socket bound to a chosen local address: on loopback, 127.0.0.2 is a second
// client address as the server sees it (the per-client quota counts by it).
import { connect } from "node:net";

/** A status, the raw head and the JSON body. */
export interface Reply {
  status: number;
  headers: string;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** POSTs `json` to `url` over a socket bound to the local address `from`. */
export function postFrom(url: string, from: string, json: unknown): Promise<Reply> {
  const { hostname, port, pathname, search } = new URL(url);
  const body = new TextEncoder().encode(JSON.stringify(json));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: from });
    const chunks: Uint8Array[] = [];
    socket.on("data", (d: Uint8Array) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = new TextDecoder().decode(
        chunks.reduce((a, b) => new Uint8Array([...a, ...b]), new Uint8Array()),
      );
      const [head, ...rest] = text.split("\r\n\r\n");
      let payload = rest.join("\r\n\r\n");
      if (/transfer-encoding:\s*chunked/i.test(head)) {
        let out = "";
        for (let at = 0;;) {
          const end = payload.indexOf("\r\n", at);
          const n = parseInt(payload.slice(at, end), 16);
          if (!n) break;
          out += payload.slice(end + 2, end + 2 + n);
          at = end + 2 + n + 2;
        }
        payload = out;
      }
      resolve({ status: Number(head.split(" ")[1]), headers: head, body: JSON.parse(payload) });
    });
    socket.write(
      `POST ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        "Connection: close\r\n\r\n",
    );
    socket.write(body);
  });
}
