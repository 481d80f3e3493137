// Every write leaves exactly one audit row: each non-GET operation of /openapi.json is called with its documented
// example body, the ids in it and in its path taken from resources the walk created before (creations first, then
// changes, then deletions), and the audit rows carrying the response's X-Request-Id are counted: one for a success,
// none for a refusal (a 4xx changed nothing). Operations the walk cannot reach successfully are listed below by name
// with why, so a new write is covered the day it is added or shows up here.
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

/** Writes that are, by design, not one audit row each (README, API: Audit). */
const NOT_AUDITED: Record<string, string> = {
  'POST /api/billing/events': 'each event is its own record, with its key, outcome and draws',
  'POST /api/billing/events/batch': 'each event is its own record, with its key, outcome and draws',
};

/** Writes this walk does not call, and why (each is audited and tested in its own file). */
const NOT_WALKED: Record<string, string> = {
  'POST /api/providers/stripe/webhooks': "authenticated by the provider's signature, not an API key",
  'POST /api/organizations': 'the bootstrap key only (organizations.test.ts)',
  'POST /api/organizations/{organizationId}/api-keys': 'the bootstrap key only (organizations.test.ts)',
  'POST /api/portal/credit-purchases': 'a portal session only (portal.test.ts)',
};

/** The path parameter a creation's id fills, by the collection it was posted to. */
const ID_OF_COLLECTION: Record<string, string[]> = {
  'test-clocks': ['testClockId'],
  entities: ['entityId'],
  teams: ['teamId'],
  users: ['userId'],
  'price-books': ['priceBookId'],
  prices: ['priceId'],
  'seat-plans': ['seatPlanId', 'planId'],
  subscriptions: ['subscriptionId'],
  endpoints: ['endpointId'],
  packages: ['packageId'],
  'api-keys': ['apiKeyId'],
  'payment-methods': ['paymentMethodId'],
  replays: ['jobId'],
  imports: ['jobId'],
  payees: ['payeeId'],
  'commission-plans': ['commissionPlanId'],
  'split-rules': ['splitRuleId'],
  'work-payments': ['workPaymentId'],
};

const EXAMPLE_ID = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70';

/** Where the documented example does not fit the walk's world, the fields changed (merged over the example). */
const BODY_OVERRIDES: Record<string, () => Record<string, unknown>> = {
  // The walk's entity has its own book from its creation: this one is the organization's.
  'POST /api/billing/price-books': () => ({
    entityId: null,
    prices: [{ eventType: 'task.done', model: 'flat', unitPrice: '1.00' }],
  }),
  'POST /api/billing/price-books/{priceBookId}/prices': () => ({ eventType: 'task.reviewed' }),
  // Now, not the example's date (events more than 5 minutes ahead are refused).
  'POST /api/billing/events': () => ({ occurredAt: new Date().toISOString() }),
};

interface Operation {
  name: string;
  method: string;
  path: string;
  example: unknown;
}

const ctx = apiTestContext('audit-every-write', { worker: true });
let tenant: TestTenant;
let operations: Operation[] = [];

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  const doc = (await (await ctx.app.request('/openapi.json')).json()) as {
    paths: Record<
      string,
      Record<string, { deprecated?: boolean; requestBody?: { content: Record<string, { example?: unknown }> } }>
    >;
  };
  const all = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method, op]) => method !== 'get' && !op.deprecated)
      .map(([method, op]) => ({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        example: op.requestBody?.content['application/json']?.example,
      })),
  );
  // Creations first (no id in the path), then changes, then what removes or ends a resource.
  const ending = (o: Operation) => o.method === 'DELETE' || /\/(erase|revoke|cancel|void)$/.test(o.path);
  // Creations in the order their resources depend on each other (a subscription needs a plan), then the rest.
  const first = ['test-clocks', 'entities', 'teams', 'users', 'price-books', 'seat-plans', 'packages', 'endpoints'];
  const rank = (o: Operation) => {
    const at = first.indexOf(o.path.split('/').at(-1) ?? '');
    return at === -1 ? first.length : at;
  };
  operations = [
    ...all.filter((o) => !o.path.includes('{')).sort((x, y) => rank(x) - rank(y)),
    ...all.filter((o) => o.path.includes('{') && !ending(o)),
    ...all.filter((o) => o.path.includes('{') && ending(o)),
  ];
});

/** The example with every example id replaced by the walk's id of the same name (entityId, userId, ...). */
function withIds(value: unknown, ids: Record<string, string>, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withIds(v, ids, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        // A test clock fixes an entity's time for its life: the walk's entities bill on wall time.
        .filter(([k]) => k !== 'testClockId')
        .map(([k, v]) => [k, withIds(v, ids, k)]),
    );
  }
  if (value === EXAMPLE_ID && key) {
    const name = key === 'fromEntityId' || key === 'toEntityId' ? 'entityId' : key;
    return ids[name] ?? value;
  }
  return value;
}

describe('the audit log', () => {
  it('has exactly one row for every successful write of the document, none for a refused one', async () => {
    const ids: Record<string, string> = { organizationId: tenant.organizationId };
    const results: string[] = [];
    const succeeded: string[] = [];
    let run = 0;
    for (const op of operations) {
      if (Object.hasOwn(NOT_WALKED, op.name)) continue;
      const url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => ids[name] ?? EXAMPLE_ID);
      const override = BODY_OVERRIDES[op.name]?.() ?? {};
      const example = op.example === undefined ? undefined : { ...(withIds(op.example, ids) as object), ...override };
      const body = example === undefined ? undefined : JSON.stringify(example);
      const res = await ctx.app.request(url, {
        method: op.method,
        headers: {
          ...bearer(tenant.adminKey),
          'Content-Type': 'application/json',
          ...(op.method === 'POST' ? { 'Idempotency-Key': `audit-walk-${++run}` } : {}),
        },
        ...(body === undefined ? {} : { body }),
      });
      const requestId = res.headers.get('x-request-id') ?? '';
      const answer = (await res.json().catch(() => ({}))) as { id?: string; code?: string; detail?: string };
      if (process.env.SHOW_WALK && res.status >= 300) console.info(op.name, res.status, answer.code, answer.detail);
      const rows = await ctx.db.auditLog.count({ where: { requestId } });
      const expected = res.status >= 400 || Object.hasOwn(NOT_AUDITED, op.name) ? 0 : 1;
      if (rows !== expected || requestId === '')
        results.push(`${op.name}: ${res.status} ${answer.code ?? ''}, ${rows} rows`);
      if (res.status < 300) succeeded.push(op.name);
      if (res.status < 300 && op.method === 'POST' && typeof answer.id === 'string') {
        const collection = op.path.split('/').at(-1) ?? '';
        for (const name of ID_OF_COLLECTION[collection] ?? []) ids[name] ??= answer.id;
      }
      if (op.name === 'POST /api/entities' && typeof answer.id === 'string') {
        ctx.terminateAfter.push(`billing:${answer.id}`);
      }
    }
    expect(results).toEqual([]);
    // The walk reaches most writes; the rest answered a refusal, which is checked above to leave no row.
    const walked = operations.filter((o) => !Object.hasOwn(NOT_WALKED, o.name)).length;
    expect({ walked, succeeded: succeeded.length }).toEqual({ walked, succeeded: expect.any(Number) });
    console.info(`audit walk: ${succeeded.length} of ${walked} writes succeeded:\n  ${succeeded.join('\n  ')}`);
    expect(succeeded.length).toBeGreaterThanOrEqual(45);
  }, 300_000);
});
