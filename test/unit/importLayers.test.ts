// The layers of docs/conventions.md, checked on the sources so a stray import fails CI before a reader trips on it:
// which folder may load which at run time. (workflows/ and domain/ have their own, stricter scans:
// test/workflows/workflowImports.test.ts and test/domain/purity.test.ts.)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/prismaCli.js';

const SOURCE_DIRS = [
  'domain',
  'activities',
  'workflows',
  'temporal',
  'api',
  'worker',
  'scripts',
  'bench',
  'chaos',
  'simulator',
  'test',
];

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'generated') return [];
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) ? [p] : [];
  });
}

/** The relative imports of the project's sources, resolved to project paths (`activities/db.ts`). */
function projectImports(dirs: readonly string[] = SOURCE_DIRS): Import[] {
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm;
  const imports: Import[] = [];
  for (const file of dirs.flatMap((d) => sourceFiles(path.join(projectRoot, d)))) {
    const from = path.relative(projectRoot, file);
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const target = path.resolve(path.dirname(file), m[3] ?? '').replace(/\.js$/, '.ts');
      imports.push({ from, to: path.relative(projectRoot, target), typeOnly: m[2] !== undefined });
    }
  }
  return imports;
}

/** Strongly connected components of more than one file: each is an import cycle. */
function cycles(imports: Import[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const i of imports) {
    graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
    if (!graph.has(i.to)) graph.set(i.to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const under = (dir: string) => (p: string) => p.startsWith(`${dir}/`);
const runtime = (imports: Import[]) => imports.filter((i) => !i.typeOnly);
const show = (imports: Import[]) => imports.map((i) => `${i.from} -> ${i.to}`);

describe('import layers', () => {
  const imports = projectImports();

  it('finds the sources it checks', () => {
    expect(imports.length).toBeGreaterThan(500);
    expect(imports.some((i) => i.from === 'api/app.ts')).toBe(true);
  });

  it('has no import cycle, counting type-only imports (a route module never imports the app that mounts it)', () => {
    expect(cycles(imports)).toEqual([]);
    const a = { from: 'a.ts', to: 'b.ts', typeOnly: true };
    expect(cycles([a, { from: 'b.ts', to: 'a.ts', typeOnly: false }])).toEqual([['a.ts', 'b.ts']]);
  });

  it('activities/ never loads workflow or API code', () => {
    const bad = runtime(imports).filter(
      (i) => under('activities')(i.from) && (under('workflows')(i.to) || under('api')(i.to)),
    );
    expect(show(bad)).toEqual([]);
  });

  it('temporal/ loads workflow code only in the files the API alone uses to send a workflow its messages', () => {
    const bad = runtime(imports).filter(
      (i) =>
        under('temporal')(i.from) &&
        (under('api')(i.to) || under('activities')(i.to) || under('workflows')(i.to)) &&
        !['temporal/webhookRedelivery.ts', 'temporal/invoiceSettled.ts', 'temporal/signalCollection.ts'].includes(
          i.from,
        ),
    );
    expect(show(bad)).toEqual([]);
    const users = imports.filter((i) =>
      ['temporal/webhookRedelivery.ts', 'temporal/invoiceSettled.ts', 'temporal/signalCollection.ts'].includes(i.to),
    );
    expect(users.every((i) => under('api')(i.from) || under('test')(i.from))).toBe(true);
  });

  it('domain/ imports nothing of ours outside domain/', () => {
    expect(show(imports.filter((i) => under('domain')(i.from) && !under('domain')(i.to)))).toEqual([]);
  });

  it('api/ has no Prisma code: it never imports the generated client', () => {
    const bad = imports.filter((i) => under('api')(i.from) && i.to.startsWith('prisma/generated'));
    expect(show(bad)).toEqual([]);
    const direct = sourceFiles(path.join(projectRoot, 'api')).filter((f) =>
      /from\s+['"]@prisma\/client/.test(readFileSync(f, 'utf8')),
    );
    expect(direct).toEqual([]);
  });
});
