// The typed client (api/client.ts) against the in-process app: compile-time types from the route schemas, runtime
// calls through the real middleware and database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../api/client.js';
import { terminateBillingWorkflows } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('api-client');
let tenant: TestTenant;
const entities: string[] = [];

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
});

afterAll(async () => {
  await terminateBillingWorkflows(ctx.client, entities);
});

const inProcess = (key: string) =>
  createApiClient('http://api.test', key, {
    fetch: ((input, init) => ctx.app.request(input as string, init)) as typeof fetch,
  });

describe('typed client', () => {
  it('creates and reads resources with typed requests and responses', async () => {
    const api = inProcess(tenant.adminKey);
    const created = await api.api.entities.$post(
      { json: { name: 'Typed', currency: 'EUR', timeZone: 'Europe/Berlin', billingAnchorDay: 15 } },
      { headers: { 'Idempotency-Key': 'typed-entity-1' } },
    );
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    const entity = await created.json();
    entities.push(entity.id);
    expect(entity).toMatchObject({ name: 'Typed', currency: 'EUR', billingAnchorDay: 15, lowBalanceThreshold: '0.00' });

    const read = await api.api.entities[':entityId'].$get({ param: { entityId: entity.id } });
    expect(read.status).toBe(200);
    if (read.status === 200) expect((await read.json()).timeZone).toBe('Europe/Berlin');

    const team = await api.api.teams.$post({ json: { entityId: entity.id, name: 'Typed team' } });
    expect(team.status).toBe(201);

    const list = await api.api.teams.$get({ query: { entityId: entity.id } });
    if (list.status !== 200) throw new Error(`unexpected ${list.status}`);
    const body = await list.json();
    expect(body.data.map((t) => t.name)).toEqual(['Typed team']);
  });

  it('surfaces problems with their status and code', async () => {
    const api = inProcess(tenant.readKey);
    const res = await api.api.entities.$post({ json: { name: 'x', currency: 'USD' } });
    expect(res.status).toBe(403);
    if (res.status === 403) expect((await res.json()).code).toBe('INSUFFICIENT_SCOPE');
  });

  it('exposes every route module (a missing one fails to compile)', () => {
    const typed = createApiClient('http://api.test');
    for (const path of [
      typed.api.organizations,
      typed.api['api-keys'],
      typed.api.entities,
      typed.api.teams,
      typed.api.users,
      typed.api.billing['price-books'],
      typed.api.billing['seat-plans'],
      typed.api.billing.invoices,
      typed.api.webhooks.endpoints,
      typed.api.webhooks.deliveries,
      typed.api['audit-log'],
      typed.api.customers,
      typed.api.invoices,
    ]) {
      expect(path).toBeDefined();
    }
  });
});
