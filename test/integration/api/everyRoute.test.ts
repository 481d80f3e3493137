// Conventions that hold for every route of the API, walked from /openapi.json so a new route is covered the day it
// is added: no key is 401, a key without the scope is 403, an id the caller's organization does not own is 404,
// and each failure is problem+json with its stable code.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
}

const ctx = apiTestContext('every-route', { db: 3 });
let tenant: TestTenant;
let operations: Operation[] = [];
/** The customer portal's routes take a portal session token, not an API key. */
let portalKey = '';
const authOf = (op: Operation) => (op.path.startsWith('/api/portal/') ? portalKey : tenant.adminKey);

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  const doc = (await (await ctx.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
  };
  operations = Object.entries(doc.paths)
    // Payment providers' webhooks are authenticated by the provider's signature, not an API key (their own tests).
    .filter(([path]) => path.startsWith('/api/') && !path.startsWith('/api/providers/'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      })),
    );
  const session = await ctx.app.request(`/api/entities/${tenant.entityId}/portal-sessions`, {
    method: 'POST',
    headers: { ...bearer(tenant.adminKey), 'Content-Type': 'application/json' },
    body: '{}',
  });
  expect(session.status).toBe(201);
  const { url } = (await session.json()) as { url: string };
  portalKey = new URL(url).searchParams.get('token') ?? '';
  expect(portalKey).toMatch(/^mbp_/);
});

/** A concrete URL: every path parameter is an id no organization owns. */
const urlOf = (op: Operation) => op.path.replace(/\{[^}]+\}/g, () => randomUUID());

async function call(op: Operation, headers: Record<string, string>, body = '{}', url = urlOf(op)) {
  const res = await ctx.app.request(url, {
    method: op.method,
    headers: { ...headers, 'Content-Type': 'application/json' },
    ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body }),
  });
  const problem = res.status >= 400 ? ((await res.json()) as { code?: string }) : {};
  return {
    status: res.status,
    code: problem.code,
    type: res.headers.get('content-type') ?? '',
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}

describe('every /api route', () => {
  it('the document lists the API (sanity)', () => {
    expect(operations.length).toBeGreaterThan(60);
  });

  it('answers 401 UNAUTHENTICATED without a key, with problem+json', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      const r = await call(op, {});
      if (r.status !== 401 || r.code !== 'UNAUTHENTICATED' || !r.type.includes('application/problem+json')) {
        failures.push(`${op.method} ${op.path}: ${r.status} ${r.code}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 INSUFFICIENT_SCOPE to an ingest-only key everywhere but the ingestion routes', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      if (op.path.startsWith('/api/billing/events')) continue;
      const r = await call(op, bearer(tenant.ingestKey));
      if (r.status !== 403 || r.code !== 'INSUFFICIENT_SCOPE')
        failures.push(`${op.method} ${op.path}: ${r.status} ${r.code}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 INSUFFICIENT_SCOPE to a read-only key on every write', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      const r = await call(op, bearer(tenant.readKey));
      if (r.status !== 403 || r.code !== 'INSUFFICIENT_SCOPE')
        failures.push(`${op.method} ${op.path}: ${r.status} ${r.code}`);
    }
    expect(failures).toEqual([]);
  });

  it("replays a POST's stored success to the key that made it, never a 4xx, and never past the scope check", async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method === 'POST')) {
      const url = urlOf(op);
      const idem = { 'Idempotency-Key': `every-route-${randomUUID()}` };
      const first = await call(op, { ...bearer(tenant.adminKey), ...idem }, '{}', url);
      // Bootstrap-only routes refuse the admin key before anything is stored.
      if (first.status === 403) continue;
      const again = await call(op, { ...bearer(tenant.adminKey), ...idem }, '{}', url);
      // A success is stored and replayed; a 4xx changed nothing and is not stored: the retry runs again.
      const stored = first.status < 400;
      if (again.replayed !== stored || again.status !== first.status) {
        failures.push(`${op.method} ${op.path}: admin retry ${again.status}, replayed ${again.replayed}`);
      }
      for (const [name, key] of [
        ['read', tenant.readKey],
        ['ingest', tenant.ingestKey],
      ] as const) {
        const r = await call(op, { ...bearer(key), ...idem }, '{}', url);
        const allowed = name === 'ingest' && op.path.startsWith('/api/billing/events');
        if (r.replayed || (!allowed && (r.status !== 403 || r.code !== 'INSUFFICIENT_SCOPE'))) {
          failures.push(`${op.method} ${op.path}: ${name} key ${r.status} ${r.code}, replayed ${r.replayed}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses an unknown body field on every write, naming it (bodyless writes take no body at all)', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      const res = await ctx.app.request(urlOf(op), {
        method: op.method,
        headers: { ...bearer(authOf(op)), 'Content-Type': 'application/json' },
        body: JSON.stringify({ zzUnknownField: 1 }),
      });
      const problem = (await res.json()) as { code?: string; errors?: Array<{ path: string }> };
      if (res.status === 403 && op.path === '/api/organizations') continue; // bootstrap key only
      if (res.status !== 422 || !problem.errors?.some((e) => e.path === 'zzUnknownField')) {
        failures.push(`${op.method} ${op.path}: ${res.status} ${JSON.stringify(problem.errors ?? problem.code)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses an unknown query parameter on every read, naming it', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method === 'GET')) {
      const res = await ctx.app.request(`${urlOf(op)}?zzUnknownParam=1`, { headers: bearer(authOf(op)) });
      const problem = (await res.json()) as { errors?: Array<{ path: string; message: string }> };
      const named = problem.errors?.some((e) => e.path === 'zzUnknownParam' && e.message === 'unknown query parameter');
      if (res.status !== 422 || !named) failures.push(`${op.method} ${op.path}: ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 405 with an Allow header naming the declared methods to every undeclared method of a path', async () => {
    const failures: string[] = [];
    const byPath = new Map<string, string[]>();
    for (const op of operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op.method]);
    for (const [path, methods] of byPath) {
      const declared = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
      const url = urlOf({ method: 'GET', path, pathParams: [] });
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !methods.includes(m))) {
        const res = await ctx.app.request(url, { method, headers: bearer(tenant.adminKey) });
        const allow = res.headers.get('allow');
        const code = res.status >= 400 ? ((await res.json()) as { code?: string }).code : undefined;
        if (res.status !== 405 || code !== 'METHOD_NOT_ALLOWED' || allow !== [...declared].sort().join(', ')) {
          failures.push(`${method} ${path}: ${res.status} ${code}, Allow ${allow}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 404 to reads of ids the organization does not own', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method === 'GET' && o.pathParams.length > 0)) {
      const r = await call(op, bearer(tenant.adminKey));
      if (r.status !== 404 || !r.type.includes('application/problem+json')) {
        failures.push(`${op.method} ${op.path}: ${r.status} ${r.code}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers a 4xx problem (never 2xx or 5xx) to writes on ids the organization does not own', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method !== 'GET' && o.pathParams.length > 0)) {
      const r = await call(op, bearer(tenant.adminKey));
      // 404 when the body is acceptable; 422 when the empty body is rejected before the lookup. Either way: nothing.
      if (![404, 422].includes(r.status) || !r.type.includes('application/problem+json')) {
        failures.push(`${op.method} ${op.path}: ${r.status} ${r.code}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
