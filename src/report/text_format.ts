/**
 * Small plain-text formatters shared by the report, diagnostics and hand-off tables: ASCII only
 * and fixed width, so the output lines up in any terminal, log file or CI page. Byte counts use
 * `format_bytes.ts`.
 *
 * @module
 */

/**
 * Lays out rows under a header as fixed-width columns; the first column is left-aligned, the
 * others right-aligned (numbers), unless `align` says otherwise.
 *
 * @example
 * ```ts
 * import { formatTable } from "./text_format.ts";
 * console.log(formatTable(["task", "count"], [["parse", "12"]]).join("\n"));
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  { align = [], indent = 2 }: {
    /** "l" or "r" per column. @default {["l", "r", "r", ...]} */
    align?: readonly ("l" | "r")[];
    /** Spaces before each line. @default {2} */
    indent?: number;
  } = {},
): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    " ".repeat(indent) +
    widths.map((w, c) => {
      const cell = cells[c] ?? "";
      return (align[c] ?? (c === 0 ? "l" : "r")) === "l" ? cell.padEnd(w) : cell.padStart(w);
    }).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/**
 * Milliseconds as "0.42 ms", "12.3 ms", "1.25 s" or "2m05s".
 *
 * @example
 * ```ts
 * import { formatMs } from "./text_format.ts";
 * console.log(formatMs(1250)); // "1.25 s"
 * ```
 */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * A 0–1 ratio as "85.0 %"; "-" when unknown.
 *
 * @example
 * ```ts
 * import { formatPercent } from "./text_format.ts";
 * console.log(formatPercent(0.85)); // "85.0 %"
 * ```
 */
export function formatPercent(ratio: number | null | undefined): string {
  return ratio == null ? "-" : `${(ratio * 100).toFixed(1)} %`;
}
