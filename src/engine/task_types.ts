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

/** What a generator (sync or async) yields. */
type Yielded<G> = G extends AsyncIterator<infer C, infer _R, infer _N> ? C
  : G extends Iterator<infer C, infer _R, infer _N> ? C
  : unknown;

/** What a generator (sync or async) returns. */
type Returned<G> = G extends AsyncIterator<infer _C, infer R, infer _N> ? R
  : G extends Iterator<infer _C, infer R, infer _N> ? R
  : unknown;

/** The chunks task `K` yields when it is a generator function (see `pool.stream()`). */
export type StreamChunk<M, K extends keyof M> = M[K] extends (...args: infer _A) => infer G
  ? Yielded<G>
  : never;

/** What generator task `K` returns: a stream's `result`. */
export type StreamReturn<M, K extends keyof M> = M[K] extends (...args: infer _A) => infer G
  ? Returned<G>
  : never;

/** Any task module, for pools created without a module type. */
export type AnyTaskModule = Record<string, AnyFunction>;
