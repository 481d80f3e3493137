// Hostile input against the real app over real HTTP and real Postgres: bodies over the limit, JSON nested 10,000
// levels deep, Unicode that Postgres cannot store (NUL, unpaired surrogates), SQL metacharacters, and numbers beyond
// NUMERIC(20,6). Every case is either an exact round trip or a clean 4xx problem with a stable code that wrote nothing.
// The string fields come from the served /openapi.json, so a new free-text field is fuzzed without touching this file.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, type Db } from '../../activities/db.js';
import { bearer, createTenant, type TestTenant } from '../support/factories.js';
import { devServerClient, serveOverHttp, testApp, testAppDb, testDb, uniqueTaskQueue } from '../support/services.js';

// Built at load time: the cases below are generated from the document the app serves.
const db: Db = testDb(3);
const temporal: Client = await devServerClient();
const appDb: Db = testAppDb(3);
const app = testApp(appDb, temporal, uniqueTaskQueue('hostile-input'));
const doc = (await (await app.request('/openapi.json')).json()) as OpenApiDoc;
let api: Awaited<ReturnType<typeof serveOverHttp>>;
let apiUrl: string;
let tenant: TestTenant;
let userId: string;

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  items?: Schema;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
}

beforeAll(async () => {
  api = await serveOverHttp(app);
  apiUrl = api.url;
  tenant = await createTenant(db);
  const user = await send('POST', '/api/users', {
    email: `member-${randomUUID().slice(0, 8)}@example.com`,
    name: 'Member',
    membership: { entityId: tenant.entityId },
  });
  expect(user.status).toBe(201);
  userId = ((await user.json()) as { id: string }).id;
});

afterAll(async () => {
  await api?.close();
  await temporal?.connection.close();
  if (db) await closeDb(db);
  if (appDb) await closeDb(appDb);
});

function send(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...bearer(tenant.adminKey), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Rows this tenant could have gained from any create below (nothing else writes to it during a test). */
async function tenantRows(): Promise<Record<string, number>> {
  const org = { organizationId: tenant.organizationId };
  const ofEntities = { entity: { organizationId: tenant.organizationId } };
  return {
    entities: await db.entity.count({ where: org }),
    teams: await db.team.count({ where: ofEntities }),
    members: await db.entityUser.count({ where: ofEntities }),
    priceBooks: await db.priceBook.count({ where: org }),
    seatPlans: await db.seatPlan.count({ where: org }),
    webhookEndpoints: await db.webhookEndpoint.count({ where: org }),
    customers: await db.customer.count({ where: org }),
    creditPackages: await db.creditPackage.count({ where: org }),
    creditGrants: await db.creditGrant.count({ where: ofEntities }),
    // Events carry no relation to their entity (no foreign key, see prisma/schema.prisma): count by entity id.
    events: await db.marketplaceEvent.count({
      where: { entityId: { in: (await db.entity.findMany({ where: org, select: { id: true } })).map((e) => e.id) } },
    }),
    auditLog: await db.auditLog.count({ where: org }),
    idempotencyRecords: await db.idempotencyRecord.count({ where: { organizationId: tenant.organizationId } }),
  };
}

async function expectProblem(res: Response, status: number, code: string) {
  const text = await res.text();
  expect({ status: res.status, type: res.headers.get('content-type') }, text).toEqual({
    status,
    type: 'application/problem+json',
  });
  expect((JSON.parse(text) as { code: string }).code).toBe(code);
}

/** The main create endpoints: a valid body and where the created resource is read back. */
const CREATES: Record<string, { body: () => Record<string, unknown>; read?: (id: string) => string }> = {
  '/api/entities': { body: () => ({ name: 'Hostile', currency: 'USD' }), read: (id) => `/api/entities/${id}` },
  '/api/teams': { body: () => ({ entityId: tenant.entityId, name: 'Team' }), read: (id) => `/api/teams/${id}` },
  '/api/users': {
    body: () => ({
      email: `u-${randomUUID().slice(0, 8)}@example.com`,
      name: 'User',
      membership: { entityId: tenant.entityId },
    }),
    read: (id) => `/api/users/${id}`,
  },
  '/api/billing/price-books': {
    body: () => ({ name: 'Book', currency: 'USD' }),
    read: (id) => `/api/billing/price-books/${id}`,
  },
  '/api/billing/seat-plans': {
    body: () => ({ name: 'Plan', interval: 'month', pricePerSeat: '10.00', currency: 'USD' }),
    read: (id) => `/api/billing/seat-plans/${id}`,
  },
  '/api/webhooks/endpoints': {
    body: () => ({ url: 'http://127.0.0.1:9/hooks', description: 'Hooks' }),
    read: (id) => `/api/webhooks/endpoints/${id}`,
  },
  '/api/customers': { body: () => ({ name: 'Customer' }), read: (id) => `/api/customers/${id}` },
  '/api/billing/credits/packages': {
    body: () => ({ name: 'Pack', credits: '10.00', price: '9.00', currency: 'USD', validityDays: 30 }),
    read: (id) => `/api/billing/credits/packages/${id}`,
  },
  '/api/billing/credits/grants': {
    body: () => ({ entityId: tenant.entityId, amount: '5.00', idempotencyKey: randomUUID(), description: 'Promo' }),
  },
  '/api/billing/events': {
    body: () => ({
      entityId: tenant.entityId,
      userId,
      eventType: 'project.posted',
      occurredAt: new Date().toISOString(),
      idempotencyKey: randomUUID(),
    }),
  },
};

/** Free-text fields of a POST body in the document: strings with no format, pattern or enum; records; string lists. */
function freeTextFields(path: string): Array<{ name: string; kind: 'string' | 'record' | 'list' }> {
  const resolve = (s: Schema): Schema =>
    s.$ref ? resolve(doc.components.schemas[s.$ref.split('/').pop() as string] as Schema) : s;
  const body = resolve(doc.paths[path]?.post?.requestBody?.content['application/json']?.schema as Schema);
  const isText = (s: Schema) =>
    [s.type].flat().includes('string') && s.format === undefined && s.pattern === undefined && s.enum === undefined;
  type Field = { name: string; kind: 'string' | 'record' | 'list' };
  return Object.entries(body.properties ?? {}).flatMap(([name, raw]): Field[] => {
    const s = resolve(raw);
    const types = [s.type].flat();
    if (isText(s)) return [{ name, kind: 'string' as const }];
    if (types.includes('object') && s.additionalProperties !== undefined && s.additionalProperties !== false)
      return [{ name, kind: 'record' as const }];
    if (types.includes('array') && s.items && isText(resolve(s.items))) return [{ name, kind: 'list' as const }];
    return [];
  });
}

const STORABLE = {
  emoji: '💸 Acme 🚀 ünïcödé e\u0301 \u200b',
  rtl: 'شركة المثال \u202Eevil\u202C עברית',
  sql: `'; DROP TABLE "Entity"; -- " OR 1=1`,
  like: '100% _match_ \\ back\\slash \\\\ %_',
};
const UNSTORABLE = { nul: 'a\u0000b', loneSurrogate: 'x\ud800y' };

const cases = Object.keys(CREATES).flatMap((path) =>
  freeTextFields(path).flatMap((field) => [
    ...Object.entries(STORABLE).map(([label, value]) => ({ path, field, label, value, storable: true })),
    ...Object.entries(UNSTORABLE).map(([label, value]) => ({ path, field, label, value, storable: false })),
  ]),
);

function withValue(base: Record<string, unknown>, field: { name: string; kind: string }, value: string) {
  const v = field.kind === 'record' ? { [value]: value } : field.kind === 'list' ? [value] : value;
  return { ...base, [field.name]: v };
}

describe('strings: unicode and SQL metacharacters in every free-text field of the create endpoints', () => {
  it('finds the free-text fields in the document', () => {
    const fields = Object.fromEntries(Object.keys(CREATES).map((p) => [p, freeTextFields(p).map((f) => f.name)]));
    expect(fields).toEqual({
      '/api/entities': ['name'], // timeZone is the documented enum of zones, not free text
      '/api/teams': ['name'],
      '/api/users': ['name'],
      '/api/billing/price-books': ['name'],
      '/api/billing/seat-plans': ['name'],
      // eventTypes: names of the event catalog (an enum), not free text.
      '/api/webhooks/endpoints': ['description'],
      '/api/customers': ['name', 'external_id', 'metadata'],
      '/api/billing/credits/packages': ['name'],
      '/api/billing/credits/grants': ['description', 'idempotencyKey'],
      '/api/billing/events': ['eventType', 'properties', 'idempotencyKey'],
    });
  });

  it.each(cases)('$path $field.name <- $label', async ({ path, field, value, storable }) => {
    const before = await tenantRows();
    const body = withValue(CREATES[path]?.body() ?? {}, field, value);
    // A body with its own (deprecated) idempotencyKey field carries the key; a header as well would have to match.
    const res = await send('POST', path, body, 'idempotencyKey' in body ? {} : { 'idempotency-key': randomUUID() });
    if (!storable) {
      await expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(await tenantRows()).toEqual(before);
      return;
    }
    const text = await res.text();
    expect(res.status, text).toBeLessThan(500);
    if (res.status >= 400) {
      // A field with its own rules (a time zone, a currency, an event type the price book lacks): a clean problem.
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect([400, 404, 409, 422]).toContain(res.status);
      return;
    }
    const created = JSON.parse(text) as Record<string, unknown>;
    const expected = withValue({}, field, value)[field.name];
    if (field.name in created) expect(created[field.name]).toEqual(expected);
    const read = CREATES[path]?.read;
    if (read && typeof created.id === 'string') {
      const again = (await (await send('GET', read(created.id), undefined)).json()) as Record<string, unknown>;
      expect(again[field.name]).toEqual(expected);
    }
  });

  it('refuses NUL and unpaired surrogates in query strings and paths with 422, never 500', async () => {
    for (const query of ['email=a%00b', 'entityId=%00', 'x%00=1', 'email=%ED%A0%80']) {
      const res = await fetch(`${apiUrl}/api/users?${query}`, { headers: bearer(tenant.adminKey) });
      expect(res.status, query).toBeLessThan(500);
      expect([400, 422]).toContain(res.status);
    }
    await expectProblem(
      await fetch(`${apiUrl}/api/entities/%00`, { headers: bearer(tenant.adminKey) }),
      422,
      'VALIDATION_FAILED',
    );
  });
});

/**
 * A POST on its own connection that reads the response even when it arrives mid-upload: the server answers 413 as soon
 * as the limit is passed and closes, so the rest of the write fails with EPIPE/ECONNRESET (which fetch reports as a
 * failed request, and its connection pool would reuse the closed socket).
 */
function rawPost(path: string, chunks: string[], headers: Record<string, string>) {
  return new Promise<{ status: number; type: string; code: string }>((resolve, reject) => {
    const req = httpRequest(`${apiUrl}${path}`, {
      method: 'POST',
      agent: false,
      headers: { ...bearer(tenant.adminKey), 'content-type': 'application/json', ...headers },
    });
    const ignoreCutOff = (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err);
    req.on('error', ignoreCutOff);
    req.on('socket', (socket) => socket.on('error', ignoreCutOff));
    req.on('response', (r) => {
      let text = '';
      r.on('data', (c) => {
        text += c;
      });
      r.on('end', () =>
        resolve({
          status: r.statusCode ?? 0,
          type: String(r.headers['content-type']),
          code: (JSON.parse(text) as { code: string }).code,
        }),
      );
    });
    for (const chunk of chunks.slice(0, -1)) req.write(chunk);
    req.end(chunks.at(-1));
  });
}

const tooLarge = { status: 413, type: 'application/problem+json', code: 'PAYLOAD_TOO_LARGE' };

describe('oversized bodies', () => {
  it('answers 413 PAYLOAD_TOO_LARGE over 1 MiB and writes nothing (idempotency key included)', async () => {
    const before = await tenantRows();
    const body = JSON.stringify({ name: 'x'.repeat(1024 * 1024), currency: 'USD' });
    const res = await rawPost('/api/entities', [body], {
      'content-length': String(Buffer.byteLength(body)),
      'idempotency-key': randomUUID(),
    });
    expect(res).toEqual(tooLarge);
    expect(await tenantRows()).toEqual(before);
  });

  it('counts a chunked body without Content-Length too', async () => {
    const before = await tenantRows();
    const chunks = ['{"name":"', ...Array.from({ length: 20 }, () => 'y'.repeat(64 * 1024)), '"}'];
    expect(await rawPost('/api/customers', chunks, { 'transfer-encoding': 'chunked' })).toEqual(tooLarge);
    expect(await tenantRows()).toEqual(before);
  });

  it('allows 16 MiB on the event batch, and no more', async () => {
    const body = JSON.stringify({ events: ['z'.repeat(17 * 1024 * 1024)] });
    const res = await rawPost('/api/billing/events/batch', [body], {
      'content-length': String(Buffer.byteLength(body)),
    });
    expect(res).toEqual(tooLarge);
  });
});

describe('deeply nested JSON', () => {
  const nested = (levels: number, leaf = '1') => '['.repeat(levels) + leaf + ']'.repeat(levels);

  it.each([10_000, 100_000])('%i levels as a body: 422 VALIDATION_FAILED, no crash', async (levels) => {
    const before = await tenantRows();
    await expectProblem(await send('POST', '/api/customers', nested(levels)), 422, 'VALIDATION_FAILED');
    expect(await tenantRows()).toEqual(before);
  });

  it('10,000 levels inside event properties and customer metadata: 422, nothing written', async () => {
    const before = await tenantRows();
    const event = CREATES['/api/billing/events']?.body() ?? {};
    const body = JSON.stringify({ ...event, properties: { deep: '__DEEP__' } }).replace('"__DEEP__"', nested(10_000));
    await expectProblem(await send('POST', '/api/billing/events', body), 422, 'VALIDATION_FAILED');
    const customer = JSON.stringify({ name: 'Deep', metadata: { deep: '__DEEP__' } }).replace(
      '"__DEEP__"',
      nested(10_000),
    );
    await expectProblem(await send('POST', '/api/customers', customer), 422, 'VALIDATION_FAILED');
    expect(await tenantRows()).toEqual(before);
    // Still serving.
    expect((await send('GET', '/api/customers', undefined)).status).toBe(200);
  });
});

describe('numbers beyond NUMERIC(20,6)', () => {
  const OVERFLOW: unknown[] = [
    '1e30',
    '123456789012345678901.5',
    '100000000000000',
    '1.1234567',
    'NaN',
    'Infinity',
    '-5.00',
    '',
    ' 1',
    '0x10',
    1e30,
    12.5,
  ];
  const AMOUNTS: Array<{ path: string; field: string; body: () => Record<string, unknown> }> = [
    { path: '/api/billing/seat-plans', field: 'pricePerSeat', body: CREATES['/api/billing/seat-plans']?.body as never },
    {
      path: '/api/billing/credits/packages',
      field: 'credits',
      body: CREATES['/api/billing/credits/packages']?.body as never,
    },
    {
      path: '/api/billing/credits/packages',
      field: 'price',
      body: CREATES['/api/billing/credits/packages']?.body as never,
    },
    {
      path: '/api/billing/credits/grants',
      field: 'amount',
      body: CREATES['/api/billing/credits/grants']?.body as never,
    },
    { path: '/api/entities', field: 'lowBalanceThreshold', body: CREATES['/api/entities']?.body as never },
  ];
  const amountCases = AMOUNTS.flatMap((a) => OVERFLOW.map((value) => ({ ...a, value })));

  it.each(amountCases)(
    '$path $field = $value: 422 VALIDATION_FAILED, nothing written',
    async ({ path, field, body, value }) => {
      const before = await tenantRows();
      await expectProblem(await send('POST', path, { ...body(), [field]: value }), 422, 'VALIDATION_FAILED');
      expect(await tenantRows()).toEqual(before);
    },
  );

  it.each(OVERFLOW.filter((v) => v !== 12.5).concat([-1, 0, 1.5, '1.5', 1_000_000_001, '99999999999']))(
    'event quantity %j: 422 INVALID_QUANTITY, nothing written',
    async (quantity) => {
      const before = await tenantRows();
      const res = await send('POST', '/api/billing/events', { ...CREATES['/api/billing/events']?.body(), quantity });
      await expectProblem(res, 422, 'INVALID_QUANTITY');
      expect(await tenantRows()).toEqual(before);
    },
  );

  it('the largest amount that fits round-trips exactly', async () => {
    const res = await send('POST', '/api/billing/credits/packages', {
      ...CREATES['/api/billing/credits/packages']?.body(),
      credits: '99999999999999.999999',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { credits: string }).credits).toBe('99999999999999.999999');
  });
});
