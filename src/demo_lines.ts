/**
 * Line helpers of the demo's plain-text output: `key  value  why` columns and digit grouping.
 *
 * @module
 */

/** Writes one line, or each line of a block. */
export type Out = (lines: string | readonly string[]) => void;

/**
 * An integer with thousands separators, the same in every locale: "348,513".
 *
 * @example
 * ```ts
 * import { grouped } from "./demo_lines.ts";
 * console.log(grouped(5000000)); // "5,000,000"
 * ```
 */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `key  value  why` lines, with the keys and the values in columns, indented by two.
 *
 * @example
 * ```ts
 * import { kv } from "./demo_lines.ts";
 * console.log(kv([["max workers", "2", "the cpu profile"], ["autotune", "on"]]).join("\n"));
 * ```
 */
export function kv(rows: readonly (readonly [string, string, string?])[]): string[] {
  // Only values followed by a reason set the column: a long one standing alone would push it out.
  const w = Math.max(10, ...rows.filter((r) => r[2]).map(([, v]) => v.length));
  return rows.map(([k, v, why]) => `  ${k.padEnd(16)}  ${why ? `${v.padEnd(w)}  ${why}` : v}`);
}
