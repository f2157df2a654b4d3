// The dashboard's event stream and the node list carry the server's state: with a token, both
// answer 401 without it and 200 with it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./server_helpers.ts";

const TOKEN = "s3cret-token";

test("GET /dashboard/events and GET /nodes answer 401 without the bearer token and 200 with it", async () => {
  const s = await startServer({ token: TOKEN, dashboardIntervalMs: 50 });
  try {
    for (const path of ["/dashboard/events", "/nodes"]) {
      for (const auth of [undefined, "Bearer wrong"]) {
        const headers: Record<string, string> = auth ? { authorization: auth } : {};
        const res = await fetch(`${s.url}${path}`, { headers });
        // Read the body only when it is the error: an open stream would never end.
        if (res.status !== 401) await res.body?.cancel();
        assert.equal(res.status, 401, `${path} with ${auth}`);
        assert.equal((await res.json()).error.code, "unauthorized", path);
      }
      const controller = new AbortController();
      const res = await fetch(`${s.url}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: controller.signal,
      });
      assert.equal(res.status, 200, path);
      if (path === "/nodes") {
        assert.ok(Array.isArray((await res.json()).nodes), "the node list");
      } else {
        assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
        // The first snapshot arrives: the stream is the dashboard's, not an error page.
        const reader = res.body!.getReader();
        let text = "";
        while (!text.includes("\n\n")) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        assert.match(text, /^event: snapshot\ndata: \{/m);
        controller.abort();
        await reader.cancel().catch(() => {});
      }
    }
  } finally {
    await s.close();
  }
});
