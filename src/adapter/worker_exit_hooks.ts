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

/**
 * Calls `notify` with a reason on an uncaught error or unhandled rejection in this worker, and
 * keeps the runtime from ending the worker before `notify` has run (it should end the worker
 * itself, with `endWorker`). Deno honours `error`/`unhandledrejection` listeners with
 * `preventDefault()`; Bun `process.on("uncaughtException" | "unhandledRejection")`, and under
 * `bun test` the listeners instead, so `notify` may be called twice.
 *
 * @example
 * ```ts ignore
 * import { endWorker, hookUncaughtErrors } from "./worker_exit_hooks.ts";
 * hookUncaughtErrors((reason) => { postMessage({ t: "exit", reason }); endWorker(); });
 * ```
 */
export function hookUncaughtErrors(notify: (reason: string) => void): void {
  const describe = (kind: string, error: unknown): string => {
    const e = error as { name?: unknown; message?: unknown } | null;
    const text = e !== null && typeof e === "object" && "message" in e
      ? `${String(e.name ?? "Error")}: ${String(e.message)}`
      : String(error);
    return `${kind} ${text}`;
  };
  const g = globalThis as unknown as {
    Deno?: unknown;
    addEventListener?: (type: string, fn: (e: Event) => void) => void;
    process?: { on?: (type: string, fn: (error: unknown) => void) => void };
  };
  // Deno honours the listeners; Bun calls them too under some hosts (`bun test`) and the
  // process handlers under others, so on Bun both are installed: `notify` must be idempotent.
  if (typeof g.addEventListener === "function") {
    g.addEventListener("error", (e) => {
      e.preventDefault();
      notify(describe("uncaught", (e as ErrorEvent).error ?? (e as ErrorEvent).message));
    });
    g.addEventListener("unhandledrejection", (e) => {
      e.preventDefault();
      notify(describe("unhandled rejection:", (e as PromiseRejectionEvent).reason));
    });
  }
  if (g.Deno === undefined && typeof g.process?.on === "function") {
    g.process.on("uncaughtException", (error) => notify(describe("uncaught", error)));
    g.process.on("unhandledRejection", (error) => notify(describe("unhandled rejection:", error)));
  }
}

/** Ends the current worker: `self.close()` where it exists (Deno), else `process.exit(code)`. */
export function endWorker(code = 1): void {
  const g = globalThis as unknown as {
    close?: () => void;
    process?: { exit?: (code: number) => void };
  };
  if (typeof g.close === "function") g.close();
  else g.process?.exit?.(code);
}
