/**
 * The `workloom` executable of the npm package (`dist/cli.js`): runs the command line with the
 * process's arguments and sets its exit code. Node has no `import.meta.main` before 24, so the
 * bin is its own entry rather than `cli.ts`'s main-module check.
 *
 * @module
 */
import { runtime } from "../adapter/runtime.ts";
import { main } from "./cli.ts";

runtime.setExitCode(await main(runtime.args()));
