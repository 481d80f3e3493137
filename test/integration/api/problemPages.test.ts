// Every problem `type` resolves: GET /problems/{code} answers each code the API can produce, as HTML for a browser and
// as the catalog entry for `Accept: application/json`. The codes are taken from the source itself (every upper-snake
// string literal in api/, activities/, domain/ and temporal/), so a new code without its page fails here.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CATALOG } from '../../../api/problemCatalog.js';
import { projectRoot } from '../../../scripts/lib/prismaCli.js';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

/**
 * Upper-snake literals in those folders that are not problem codes, and why. Anything else found there must be in the
 * catalog: a reviewer adds a page, or adds it here with its reason.
 */
const NOT_PROBLEM_CODES: Record<string, string> = {
  ALLOW_DUPLICATE: 'Temporal workflow id reuse policy',
  REJECT_DUPLICATE: 'Temporal workflow id reuse policy',
  USE_EXISTING: 'Temporal workflow id conflict policy',
  PAYMENT_PROVIDER: 'configuration variable',
  STRIPE_SECRET_KEY: 'configuration variable',
  STRIPE_API_BASE: 'configuration variable',
  ARCHIVE_INTEGRITY: 'raised by npm run retention:restore and the retention run, never answered by the API',
  PROVIDER_TIMEOUT: 'internal error class code; the API answers it as PAYMENT_PROVIDER_UNAVAILABLE',
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

async function codesInSource(): Promise<Set<string>> {
  const codes = new Set<string>();
  for (const folder of ['api', 'activities', 'domain', 'temporal']) {
    for (const file of await sourceFiles(path.join(projectRoot, folder))) {
      if (file.endsWith('problemCatalog.ts')) continue;
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) codes.add(m[1] as string);
    }
  }
  return codes;
}

const ctx = apiTestContext('problem-pages');
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
});

describe('problem pages', () => {
  it('every code in the source is in the catalog (or named as no problem code, with its reason)', async () => {
    const found = await codesInSource();
    expect(found.size).toBeGreaterThan(60);
    const missing = [...found].filter(
      (c) => !Object.hasOwn(PROBLEM_CATALOG, c) && !Object.hasOwn(NOT_PROBLEM_CODES, c),
    );
    expect(missing).toEqual([]);
  });

  it('every catalog entry has a title, a status, when it happens and what to do, and its page answers 200', async () => {
    const failures: string[] = [];
    for (const [code, kind] of Object.entries(PROBLEM_CATALOG)) {
      if (!kind.title || !kind.meaning || !kind.action || kind.action === '-' || !(kind.status >= 200)) {
        failures.push(`${code}: incomplete entry`);
      }
      const page = await ctx.app.request(`/problems/${code}`);
      const html = await page.text();
      if (page.status !== 200 || !page.headers.get('content-type')?.startsWith('text/html') || !html.includes(code)) {
        failures.push(`${code}: HTML ${page.status}`);
      }
      const res = await ctx.app.request(`/problems/${code}`, { headers: { Accept: 'application/json' } });
      const body = (await res.json()) as Record<string, unknown>;
      if (
        res.status !== 200 ||
        body.code !== code ||
        body.type !== `/problems/${code}` ||
        body.status !== kind.status
      ) {
        failures.push(`${code}: JSON ${res.status} ${JSON.stringify(body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a problem the API answers points at its page, which explains that code', async () => {
    const res = await ctx.app.request('/api/entities/not-a-uuid', { headers: bearer(tenant.adminKey) });
    const problem = (await res.json()) as { type: string; code: string };
    expect({ status: res.status, code: problem.code, type: problem.type }).toEqual({
      status: 422,
      code: 'VALIDATION_FAILED',
      type: '/problems/VALIDATION_FAILED',
    });
    const page = await ctx.app.request(new URL(problem.type, 'http://localhost').pathname, {
      headers: { Accept: 'application/json' },
    });
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 422, title: 'Invalid request' });
  });

  it('the kebab-case form finds the same page; an unknown code is 404; the index lists every code', async () => {
    const kebab = await ctx.app.request('/problems/not-found', { headers: { Accept: 'application/json' } });
    expect(kebab.status).toBe(200);
    expect(((await kebab.json()) as { code: string }).code).toBe('NOT_FOUND');
    const unknown = await ctx.app.request('/problems/NO_SUCH_CODE');
    expect(unknown.status).toBe(404);
    const index = await ctx.app.request('/problems', { headers: { Accept: 'application/json' } });
    const { data } = (await index.json()) as { data: Array<{ code: string }> };
    expect(data.map((p) => p.code).sort()).toEqual(Object.keys(PROBLEM_CATALOG).sort());
  });
});
