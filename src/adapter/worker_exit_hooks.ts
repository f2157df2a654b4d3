/**
 * Deno gives the parent no event when a worker ends itself (`self.close()`, `process.exit()`,
 * `Deno.exit()`), so without help the pool would wait forever for its tasks. The worker entry
 * wraps those exits to tell the pool first. Bun fires a `close` event of its own as well; the
 * pool ignores whichever notice comes second.
 *
 * @module
 */

type Exit = (code?: number) => never;

/**
 * Wraps the ways a worker can end itself so that `notify` runs first.
 *
 * @example
 * ```ts ignore
 * import { hookWorkerExit } from "./worker_exit_hooks.ts";
 * hookWorkerExit((reason) => postMessage({ t: "exit", reason }));
 * ```
 */
export function hookWorkerExit(notify: (reason: string) => void): void {
  const g = globalThis as unknown as {
    close?: () => void;
    process?: { exit?: Exit };
    Deno?: { exit?: Exit };
  };
  if (typeof g.close === "function") {
    const close = g.close.bind(g);
    g.close = () => {
      notify("the worker called self.close()");
      close();
    };
  }
  for (const [owner, label] of [[g.process, "process.exit"], [g.Deno, "Deno.exit"]] as const) {
    if (owner && typeof owner.exit === "function") {
      const exit = owner.exit.bind(owner);
      owner.exit = ((code?: number) => {
        notify(`the worker called ${label}(${code ?? ""})`);
        return exit(code);
      }) as Exit;
    }
  }
}
