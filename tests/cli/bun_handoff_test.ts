// When the npm bin (shebang: node) was launched by Bun (bunx workloom …), it runs itself again on
// that Bun. The decision reads what Bun tells a script it launches, as npm does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchingBun } from "../../src/adapter/bun_handoff.ts";

const bunx = {
  npm_config_user_agent: "bun/1.4.5 npm/? node/v26.3.0 linux x64",
  npm_execpath: "/home/u/.bun/bin/bun",
};

test("Node launched by bunx hands off to the Bun that launched it", () => {
  assert.equal(launchingBun(bunx, false), "/home/u/.bun/bin/bun");
  assert.equal(
    launchingBun({ ...bunx, npm_execpath: "/work/node_modules/bun/bin/bun.exe" }, false),
    "/work/node_modules/bun/bin/bun.exe",
  );
});

test("no hand-off on Bun itself, under npm or npx, with WORKLOOM_NODE=1, or without a Bun path", () => {
  assert.equal(launchingBun(bunx, true), undefined, "already on Bun");
  assert.equal(
    launchingBun({
      npm_config_user_agent: "npm/11.19.1 node/v20.20.2 linux x64",
      npm_execpath: "/usr/lib/node_modules/npm/bin/npm-cli.js",
    }, false),
    undefined,
    "npx",
  );
  assert.equal(launchingBun({ ...bunx, WORKLOOM_NODE: "1" }, false), undefined, "asked to stay");
  assert.equal(launchingBun({ ...bunx, npm_execpath: undefined }, false), undefined);
  assert.equal(launchingBun({ ...bunx, npm_execpath: "/usr/bin/node" }, false), undefined);
});
