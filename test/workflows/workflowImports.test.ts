// Workflow code runs in Temporal's deterministic sandbox and is replayed from history: it may import only the
// workflow APIs, pure domain code and other workflow files at run time. Activities, the database, the API and Node
// built-ins are reachable only as types (`import type`). This scans the sources so a stray import fails CI before
// it fails a replay.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/prismaCli.js';

const WORKFLOWS_DIR = path.join(projectRoot, 'workflows');
const ALLOWED = [
  /^@temporalio\/workflow$/,
  /^@temporalio\/common$/,
  /^\.\/[\w.-]+\.js$/,
  /^\.\.\/domain\/[\w./-]+\.js$/,
];

function runtimeImportViolations(source: string): string[] {
  const violations: string[] = [];
  const importRe = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(importRe)) {
    const [, , typeOnly, , specifier] = m;
    if (typeOnly || !specifier) continue;
    if (!ALLOWED.some((re) => re.test(specifier))) violations.push(`imports ${specifier} at run time`);
  }
  if (/\bMath\.random\s*\(/.test(source)) violations.push('uses Math.random (use wf.uuid4 or deterministic input)');
  if (/\bsetTimeout\s*\(/.test(source)) violations.push('uses setTimeout (use wf.sleep)');
  return violations;
}

describe('workflows/ imports', () => {
  const files = readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only workflow APIs, domain/ and workflow files at run time', (file) => {
    expect(runtimeImportViolations(readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8'))).toEqual([]);
  });

  it('the scanner catches violations', () => {
    expect(runtimeImportViolations("import { createDb } from '../activities/db.js';")).toEqual([
      'imports ../activities/db.js at run time',
    ]);
    expect(runtimeImportViolations("import fs from 'node:fs';")).toEqual(['imports node:fs at run time']);
    expect(runtimeImportViolations("import type { Activities } from '../activities/index.js';")).toEqual([]);
    expect(runtimeImportViolations("import { Money } from '../domain/money.js';")).toEqual([]);
    expect(runtimeImportViolations('const x = Math.random();')).toEqual([
      'uses Math.random (use wf.uuid4 or deterministic input)',
    ]);
  });
});
