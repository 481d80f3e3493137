// Limits every /api request is held to before any route sees it, so hostile input is a clean 4xx that writes nothing:
//   - text Postgres cannot store or that is not Unicode: U+0000 (NUL) and unpaired UTF-16 surrogates, in any JSON
//     string or key of the body, in the query string or in the path -> 422 VALIDATION_FAILED naming the field
//   - JSON nested deeper than MAX_JSON_DEPTH -> 422 VALIDATION_FAILED
// zod then validates each route's own shape; activities/ never receive a string that would fail in the database.
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './auth.js';
import { ProblemError } from './problem.js';

/** Deepest JSON accepted anywhere (event `properties` included); real payloads are a handful of levels deep. */
export const MAX_JSON_DEPTH = 32;

/** In Unicode mode a surrogate pair is one code point, so only an unpaired surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string cannot be stored as text, or null when it can. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (no unpaired surrogates)';
  return null;
}

interface Finding {
  path: string;
  message: string;
}

/** Walks a parsed JSON value without recursion (so depth cannot overflow the stack); the first problem found. */
export function findUnstorableJson(root: unknown): Finding | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 0 }];
  const at = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      const message = unstorableText(value);
      if (message) return { path: path || '(root)', message };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      return { path: path || '(root)', message: `JSON may be nested at most ${MAX_JSON_DEPTH} levels deep` };
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: at(path, i), depth: depth + 1 });
      });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const message = unstorableText(key);
      if (message) return { path: at(path, key.replace(/[^\x20-\x7e]/g, '?')), message: `keys ${message}` };
      stack.push({ value: item, path: at(path, key), depth: depth + 1 });
    }
  }
  return null;
}

/** How deeply the JSON text's arrays and objects nest (brackets inside strings do not count). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      depth += 1;
      if (depth > max) max = depth;
    } else if (ch === 0x7d || ch === 0x5d) depth -= 1;
  }
  return max;
}

const invalid = (finding: Finding) =>
  new ProblemError(422, 'VALIDATION_FAILED', 'Invalid request', `${finding.path}: ${finding.message}`, [finding]);

/** 422 VALIDATION_FAILED for text the database cannot store (NUL, broken Unicode) or JSON nested too deeply. */
export function storableInput(): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (/%00/.test(url.pathname))
      throw invalid({ path: '(path)', message: 'must not contain the NUL character (U+0000)' });
    for (const [name, value] of url.searchParams) {
      const message = unstorableText(name) ?? unstorableText(value);
      if (message) throw invalid({ path: name.replace(/[^\x20-\x7e]/g, '?'), message });
    }

    const type = c.req.header('content-type') ?? '';
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /json/i.test(type)) {
      // Hono caches the body (api/requestBody.ts read it), so the route's validator reads the same text.
      const text = await c.req.text();
      // The common case, decided on the text alone: the body was decoded from UTF-8 (no lone surrogates survive
      // that) and JSON cannot hold a raw NUL, so both can only arrive as \u escapes; with none, only depth is left.
      if (!text.includes('\\u') && nestingDepth(text) <= MAX_JSON_DEPTH) return next();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return next(); // not JSON: the route's validator answers 400 MALFORMED_JSON
      }
      const finding = findUnstorableJson(parsed);
      if (finding) throw invalid(finding);
    }
    return next();
  };
}
