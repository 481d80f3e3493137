// The input guard's fast path decides on the JSON text alone; it must agree with the full walk on where the depth
// limit lies, and never count brackets inside strings.
import { describe, expect, it } from 'vitest';
import { findUnstorableJson, MAX_JSON_DEPTH, nestingDepth } from '../../api/inputGuards.js';

const nested = (levels: number) => '['.repeat(levels) + '1' + ']'.repeat(levels);

describe('nestingDepth', () => {
  it.each([
    ['1', 0],
    ['"a"', 0],
    ['{}', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['[[],[[]],[]]', 3],
    ['{"a":"[[[{{{"}', 1],
    ['{"a":"\\"[[["}', 1],
    ['{"a\\\\":["x"]}', 2],
  ])('%s -> %i', (text, depth) => {
    JSON.parse(text);
    expect(nestingDepth(text)).toBe(depth);
  });

  it('puts the limit where the full walk does', () => {
    for (const levels of [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1]) {
      const text = nested(levels);
      const fastPasses = nestingDepth(text) <= MAX_JSON_DEPTH;
      expect(fastPasses, `${levels} levels`).toBe(findUnstorableJson(JSON.parse(text)) === null);
    }
    expect(nestingDepth(nested(MAX_JSON_DEPTH))).toBe(MAX_JSON_DEPTH);
  });
});
