import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * domain/ must stay importable from Temporal workflow code: deterministic and free of I/O. This scans the sources
 * rather than trusting review, so a stray clock read or an import of the data layer fails CI.
 */

const DOMAIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'domain');
// Time-zone math uses the runtime's Intl (available, and deterministic, in Temporal's workflow sandbox).
const ALLOWED_PACKAGES = ['decimal.js'];
const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now('],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date() without arguments'],
  [/\bMath\.random\s*\(/, 'Math.random('],
  [/\bprocess\./, 'process.'],
  [/\bfetch\s*\(/, 'fetch('],
  [/\bsetTimeout\s*\(/, 'setTimeout('],
  [/\bsetInterval\s*\(/, 'setInterval('],
  [/\bperformance\.now\s*\(/, 'performance.now('],
  [/\bcrypto\./, 'crypto.'],
  [/\brequire\s*\(/, 'require('],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(name) ? [path] : [];
  });
}

function importSpecifiers(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]*)['"]/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) specifiers.push(match[1] ?? '');
  }
  if (/\bimport\s*\(\s*[^'"\s]/.test(source)) specifiers.push('<dynamic import>');
  return specifiers;
}

function isAllowedImport(specifier: string): boolean {
  if (specifier.startsWith('./')) return !specifier.includes('..');
  return ALLOWED_PACKAGES.some((pkg) => specifier === pkg || specifier.startsWith(`${pkg}/`));
}

function purityViolations(source: string): string[] {
  const violations = importSpecifiers(source)
    .filter((s) => !isAllowedImport(s))
    .map((s) => `imports ${s}`);
  for (const [pattern, label] of FORBIDDEN) if (pattern.test(source)) violations.push(`uses ${label}`);
  return violations;
}

describe('domain/ purity', () => {
  const files = sourceFiles(DOMAIN_DIR);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [relative(DOMAIN_DIR, f), f]))(
    '%s imports only ./ modules and decimal.js and reads no clock, randomness or I/O',
    (_name, file) => {
      expect(purityViolations(readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it('the checker itself catches violations', () => {
    expect(purityViolations("import { prisma } from '../activities/db.js';")).toEqual(['imports ../activities/db.js']);
    expect(purityViolations("import { x } from './../api/x.js';")).toEqual(['imports ./../api/x.js']);
    expect(purityViolations("import pino from 'pino';")).toEqual(['imports pino']);
    expect(purityViolations("import { addDays } from 'date-fns';")).toEqual(['imports date-fns']);
    expect(purityViolations("export * from 'node:fs';")).toEqual(['imports node:fs']);
    expect(purityViolations("import 'dotenv/config';")).toEqual(['imports dotenv/config']);
    expect(purityViolations("const m = await import('node:fs');")).toEqual(['imports node:fs']);
    expect(purityViolations('const t = Date.now();')).toEqual(['uses Date.now(']);
    expect(purityViolations('const t = new Date();')).toEqual(['uses new Date() without arguments']);
    expect(purityViolations('const t = new Date( );')).toEqual(['uses new Date() without arguments']);
    expect(purityViolations('const r = Math.random();')).toEqual(['uses Math.random(']);
    expect(purityViolations('const e = process.env.X;')).toEqual(['uses process.']);
    expect(purityViolations("await fetch('https://x');")).toEqual(['uses fetch(']);
    expect(purityViolations('setTimeout(f, 1);')).toEqual(['uses setTimeout(']);
    expect(
      purityViolations(
        "import { Decimal } from 'decimal.js';\nimport type { X } from './x.js';\nconst d = new Date(0);\nconst e = new Date(ms);",
      ),
    ).toEqual([]);
  });
});
