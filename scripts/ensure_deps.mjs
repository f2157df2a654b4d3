// Installs the pinned toolchain (Deno, Bun, TypeScript, …) from npm when it is missing, so that
// a fresh clone on a machine with only Node and npm needs no other step.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Project root (the folder above scripts/). */
export const root = fileURLToPath(new URL("..", import.meta.url));

/** Path of a binary that npm installed into node_modules/.bin. */
export function bin(name) {
  return `${root}node_modules/.bin/${name}`;
}

/**
 * Runs `npm ci` unless every tool is already there: it installs exactly what package-lock.json
 * says and never rewrites it (an `npm install` here used to, and a changed lock makes
 * `deno publish --dry-run` refuse to run). The lock lists every platform's optional Deno, Bun and
 * esbuild binaries, so it installs on Linux, macOS and Windows alike.
 */
export function ensureDeps() {
  const tools = ["deno", "bun", "tsc", "esbuild"];
  if (tools.every((t) => existsSync(bin(t)))) return;
  console.error("workloom: installing the toolchain with npm ci …");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`npm ci failed with exit code ${r.status}`);
}

/** Path of the import-cycle checker, which has a package of its own (see tools/cycles/). */
export const depcruise = `${root}tools/cycles/node_modules/.bin/depcruise`;

/**
 * Installs the import-cycle checker when it is missing: dependency-cruiser with a typescript 5
 * of its own (the project's typescript 7 has no compiler API for it to parse with), from its own
 * lock file.
 */
export function ensureCycleTool() {
  if (existsSync(depcruise)) return;
  console.error("workloom: installing the import-cycle checker (tools/cycles) …");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: `${root}tools/cycles`,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`npm ci in tools/cycles failed with exit code ${r.status}`);
}
