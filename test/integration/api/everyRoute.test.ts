// Conventions that hold for every route of the API, walked from /openapi.json so a new route is covered the day it
// is added: every operation is documented (summary, description, an example on every body that its own schema
// accepts, closed request bodies); no key is 401, a key without the scope is 403, an id the caller's organization
// does not own is 404, and each failure is problem+json with its stable code.
import { randomUUID } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
}

// ajv-formats is CommonJS: its default export is the module object under Node's ESM loader.
const formats = addFormatsModule as unknown as FormatsPlugin | { default: FormatsPlugin };
const addFormats: FormatsPlugin = 'default' in formats ? formats.default : formats;

const ctx = apiTestContext('every-route', { db: 3 });
let tenant: TestTenant;
let operations: Operation[] = [];
/** A customer portal session of the tenant's entity: the only credential /api/portal/* takes. */
let portalToken: string;

interface Media {
  schema?: Record<string, unknown>;
  example?: unknown;
  examples?: unknown;
}
interface DocOperation {
  summary?: string;
  description?: string;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
let doc: {
  paths: Record<string, Record<string, DocOperation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  const session = await ctx.app.request(`/api/entities/${tenant.entityId}/portal-sessions`, {
    method: 'POST',
    headers: { ...bearer(tenant.adminKey), 'Content-Type': 'application/json' },
    body: '{}',
  });
  portalToken = new URL(((await session.json()) as { url: string }).url).searchParams.get('token') as string;
  doc = (await (await ctx.app.request('/openapi.json')).json()) as typeof doc;
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
});

/** The key an operation is called with to get past its guard: the admin key, or for the portal a portal session. */
const adminOf = (op: { path: string }) => bearer(op.path.startsWith('/api/portal/') ? portalToken : tenant.adminKey);

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

/** Every operation of the document, API or not, with its method and path. */
const everyOperation = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op })),
  );

/** Every body of an operation: the request's and each response's, per media type. */
const bodiesOf = (op: DocOperation) => [
  ...Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => ({ where: `request ${type}`, media })),
  ...Object.entries(op.responses).flatMap(([status, r]) =>
    Object.entries(r.content ?? {}).map(([type, media]) => ({ where: `${status} ${type}`, media })),
  ),
];

/** Each object schema reachable from `schema` (through $ref, properties, items, anyOf/oneOf/allOf), with its path. */
function objectSchemas(
  schema: unknown,
  at: string,
  seen = new Set<unknown>(),
): Array<{ at: string; schema: Record<string, unknown> }> {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return [];
  seen.add(schema);
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '');
    return objectSchemas(doc.components.schemas[name], `${at}(${name})`, seen);
  }
  const found: Array<{ at: string; schema: Record<string, unknown> }> = [];
  const types = [s.type].flat();
  if (types.includes('object') || s.properties) found.push({ at, schema: s });
  for (const [key, sub] of Object.entries((s.properties as Record<string, unknown>) ?? {})) {
    found.push(...objectSchemas(sub, `${at}.${key}`, seen));
  }
  found.push(...objectSchemas(s.items, `${at}[]`, seen));
  // The branches of a closed object's oneOf/anyOf/allOf constrain its fields (which model takes which); they declare
  // no fields of their own, and the object's additionalProperties: false already refuses every other key.
  const closed = s.additionalProperties === false;
  for (const list of ['anyOf', 'oneOf', 'allOf']) {
    for (const sub of (s[list] as unknown[]) ?? []) {
      const inner = objectSchemas(sub, at, seen);
      found.push(...(closed ? inner.filter((o) => o.schema !== sub) : inner));
    }
  }
  return found;
}

describe('the document of every operation', () => {
  it('has a summary and a description on every operation', () => {
    const missing = everyOperation()
      .filter(({ op }) => !op.summary?.trim() || !op.description?.trim())
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it('has an example on every request and response body, and each example is valid against its own schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const compiled = new Map<string, ValidateFunction>();
    const failures: string[] = [];
    let checked = 0;
    for (const { name, op } of everyOperation()) {
      for (const { where, media } of bodiesOf(op)) {
        if (media.example === undefined && media.examples === undefined) {
          failures.push(`${name} ${where}: no example`);
          continue;
        }
        if (!media.schema || media.example === undefined) continue;
        const text = JSON.stringify(media.schema).replaceAll('"#/components/', '"doc#/components/');
        let validate = compiled.get(text);
        if (!validate) {
          validate = ajv.compile(JSON.parse(text));
          compiled.set(text, validate);
        }
        if (!validate(media.example)) {
          failures.push(`${name} ${where}: ${ajv.errorsText(validate.errors)}`);
        }
        checked++;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  it('declares every object of every request body closed (additionalProperties: false)', () => {
    const open: string[] = [];
    for (const { name, path, op } of everyOperation()) {
      // A payment provider's event is the provider's object, open on purpose (it adds fields over time).
      if (path.startsWith('/api/providers/')) continue;
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        for (const { at, schema } of objectSchemas(media.schema, `${name} ${type} body`)) {
          // Records (free-form maps such as event properties and metadata) hold data, not fields.
          const isRecord = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
          if (schema.additionalProperties !== false && !(isRecord && !schema.properties)) open.push(at);
        }
      }
    }
    expect(open).toEqual([]);
  });
});

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
        headers: { ...adminOf(op), 'Content-Type': 'application/json' },
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
      const res = await ctx.app.request(`${urlOf(op)}?zzUnknownParam=1`, { headers: adminOf(op) });
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
