/**
 * The `workloom` executable of the npm package (`dist/cli.js`): runs the command line with the
 * process's arguments and sets its exit code. Node has no `import.meta.main` before 24, so the
 * bin is its own entry rather than `cli.ts`'s main-module check. Its shebang is `node`; launched
 * by Bun (`bunx workloom …`), it runs itself again on that Bun (`bun_handoff.ts`), so that what
 * the user ran is what runs the tasks.
 *
 * @module
 */
import { launchingBun, runOnBun } from "../adapter/bun_handoff.ts";
import { runtime } from "../adapter/runtime.ts";
import { main } from "./cli.ts";

const bun = launchingBun();
runtime.setExitCode(
  bun === undefined ? await main(runtime.args()) : await runOnBun(bun, runtime.args()),
);
