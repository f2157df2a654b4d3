/**
 * Types that tie a pool's call sites to its task module, so that a wrong task name or input is a
 * compile error: `createPool<typeof import("./tasks.ts")>(…)`.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** Names of the functions a task module exports. */
export type TaskName<M> =
  & { [K in keyof M]: M[K] extends AnyFunction ? K : never }[keyof M]
  & string;

/** The input (first parameter) of task `K`. */
export type TaskInput<M, K extends keyof M> = M[K] extends
  (input: infer I, ...rest: infer _R) => unknown ? I
  : never;

/** What task `K` resolves to. */
export type TaskResult<M, K extends keyof M> = M[K] extends (...args: infer _A) => infer R
  ? Awaited<R>
  : never;

/** Any task module, for pools created without a module type. */
export type AnyTaskModule = Record<string, AnyFunction>;
