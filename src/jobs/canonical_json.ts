/**
 * The canonical JSON text of a value (object keys sorted at every depth, `undefined` fields
 * left out), produced in pieces by a loop with an explicit stack: it never recurses, so no
 * nesting can overflow a stack, and the text need never exist whole.
 *
 * @module
 */

// One frame of the walk: the values still to write at one level, and what closes it.
interface Frame {
  items: unknown[];
  /** The keys of `items` for an object, `undefined` for an array. */
  keys?: string[];
  next: number;
  close: string;
}

function frameOf(value: object): Frame {
  if (Array.isArray(value)) return { items: value, next: 0, close: "]" };
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return { items: keys.map((k) => record[k]), keys, next: 0, close: "}" };
}

/**
 * Calls `write` with the pieces of the canonical JSON text of `value`, in order. Values JSON
 * cannot carry inside arrays (functions, `undefined`) are written as `null`, as
 * `JSON.stringify` does.
 *
 * @example
 * ```ts
 * import { writeCanonicalJson } from "./canonical_json.ts";
 * let text = "";
 * writeCanonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }, (piece) => (text += piece));
 * console.log(text); // {"a":[2,{"c":4,"d":3}],"b":1}
 * ```
 */
export function writeCanonicalJson(value: unknown, write: (piece: string) => void): void {
  const scalar = (v: unknown) => write(JSON.stringify(v) ?? "null");
  if (value === null || typeof value !== "object") return scalar(value);
  write(Array.isArray(value) ? "[" : "{");
  const stack: Frame[] = [frameOf(value)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === top.items.length) {
      write(top.close);
      stack.pop();
      continue;
    }
    const i = top.next++;
    if (i > 0) write(",");
    if (top.keys) write(`${JSON.stringify(top.keys[i])}:`);
    const v = top.items[i];
    if (v === null || typeof v !== "object") {
      scalar(v);
      continue;
    }
    write(Array.isArray(v) ? "[" : "{");
    stack.push(frameOf(v));
  }
}
