/**
 * Formats a byte count for people, in binary units: `536870912` → `"512 MiB"`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./format_bytes.ts";
 * formatBytes(1536 * 1024 * 1024); // "1.5 GiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  // One decimal is enough to compare machines; drop it when it says nothing.
  const text = unit === 0 ? String(value) : value.toFixed(1).replace(/\.0$/, "");
  return `${text} ${units[unit]}`;
}
