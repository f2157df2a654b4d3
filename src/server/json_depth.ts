/**
 * How deep a JSON text nests, read from the text itself in one pass without recursion, so that a
 * body nested too deep is refused before any parser, validator or hash walks it.
 *
 * @module
 */

/** Deepest nesting of a request body: a job's input may nest 64 levels inside a batch's array and its job. */
export const MAX_BODY_DEPTH = 66;

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the arrays and objects of JSON text `text` nest at most `max` levels (the outermost
 * array or object is level 1). Brackets inside strings do not count. Malformed text is not
 * judged here: the parser refuses it afterwards.
 *
 * @example
 * ```ts
 * import { jsonDepthWithin } from "./json_depth.ts";
 * console.log(jsonDepthWithin('{"a":[["]]]]"]]}', 3)); // true
 * console.log(jsonDepthWithin("[[[[1]]]]", 3)); // false
 * ```
 */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return false;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return true;
}
