import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes } from "../../src/report/format_bytes.ts";

test("formatBytes uses binary units with at most one decimal", () => {
  const table: [number, string][] = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [512 * 1024 ** 2, "512 MiB"],
    [1.25 * 1024 ** 3, "1.3 GiB"],
    [24683620 * 1024, "23.5 GiB"],
    [2 ** 62, "4 EiB"],
  ];
  for (const [bytes, text] of table) assert.equal(formatBytes(bytes), text, String(bytes));
});
