/**
 * Plain-text table for the bench scripts: measurement knows nothing about printing, and this
 * knows nothing about measuring.
 */

/** Column alignment: "l" pads on the right (names, notes), "r" on the left (figures). */
export type Align = "l" | "r";

/** Options for {@linkcode formatTable}. */
export interface TableOptions {
  /**
   * Alignment per column, by index.
   * @default {["l", "r", "r", ...]} (names left, figures right)
   */
  align?: readonly Align[];
}

/**
 * Lays out `rows` under `header`, two spaces between columns, a dashed rule under the header.
 *
 * @example
 * ```ts
 * console.log(formatTable(["pool", "tasks/s"], [["a", "1,000"], ["bb", "20"]]));
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const align = (col: number): Align => options.align?.[col] ?? (col === 0 ? "l" : "r");
  const widths = header.map((h, col) =>
    Math.max(h.length, ...rows.map((r) => (r[col] ?? "").length))
  );
  const line = (cells: readonly string[]): string =>
    header
      .map((_, col) => {
        const cell = cells[col] ?? "";
        return align(col) === "l" ? cell.padEnd(widths[col]) : cell.padStart(widths[col]);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}
