// The README and the pages in docs/ link to each other and to headings within them. A page moved
// or a heading renamed breaks such links silently on GitHub and on JSR; these tests resolve every
// relative link and #anchor against the files and headings that exist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];

/** The page's lines outside fenced code blocks, inline code removed (neither holds links). */
function prose(text: string): string[] {
  let fenced = false;
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push(line.replace(/`[^`]*`/g, (code) => code.slice(1, -1)));
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page's headings make, with GitHub's -1, -2 … for repeated headings. */
function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(readFileSync(join(root, page), "utf8"))) {
    const m = line.match(/^#{1,6}\s+(.+?)\s*#*\s*$/);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every link and image target in a page's prose that is not a URL with a scheme. */
function relativeLinks(page: string): string[] {
  const text = prose(readFileSync(join(root, page), "utf8")).join("\n")
    .replace(/<!--[\s\S]*?-->/g, "");
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test("slug() makes GitHub's anchors from headings with code, parentheses and links", () => {
  assert.equal(slug("Many machines (Redis)"), "many-machines-redis");
  assert.equal(slug("A forgotten close()"), "a-forgotten-close");
  assert.equal(slug("run() and map()"), "run-and-map");
  assert.equal(
    slug("Isolated workers: the process profile"),
    "isolated-workers-the-process-profile",
  );
  assert.equal(slug("Node 20 and the cores figure"), "node-20-and-the-cores-figure");
});

test("every relative link in README.md and docs/*.md names a file that exists", () => {
  const broken: string[] = [];
  let count = 0;
  for (const page of pages) {
    for (const target of relativeLinks(page)) {
      const path = target.split("#")[0];
      if (!path) continue;
      count++;
      const file = join(root, dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(count >= 20, `only ${count} links to files were found: is the link pattern right?`);
});

test("every #anchor in README.md and docs/*.md names a heading of the page it points to", () => {
  const broken: string[] = [];
  let count = 0;
  for (const page of pages) {
    for (const target of relativeLinks(page)) {
      const [path, anchor] = target.split("#");
      if (anchor === undefined) continue;
      count++;
      const linked = path ? relative(root, join(root, dirname(page), path)) : page;
      if (!linked.endsWith(".md") || !existsSync(join(root, linked))) {
        broken.push(`${page}: ${target} (not a page here)`);
      } else if (!anchors(linked).has(anchor)) {
        broken.push(`${page}: ${target} (no such heading in ${linked})`);
      }
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(count >= 10, `only ${count} anchors were found: is the link pattern right?`);
});

test("the README's documentation map lists every page in docs/", () => {
  const linked = new Set(relativeLinks("README.md").map((t) => t.split("#")[0]));
  const missing = pages.filter((p) => p.startsWith("docs/") && !linked.has(p));
  assert.deepEqual(missing, []);
});
