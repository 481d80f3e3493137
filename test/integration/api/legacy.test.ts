// Legacy /api/customers (CRUD, linkable to an entity) and /api/invoices (legacy shape over the same invoices).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Caller,
  caller,
  createFinalizedInvoice,
  expectProblem,
  tenantsAndCallers,
  UNKNOWN_ID,
} from '../../support/apiFactories.js';
import type { TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('api-legacy');
let tenant: TestTenant;
let other: TestTenant;
let admin: Caller;
let reader: Caller;

beforeAll(async () => {
  ({ tenant, other, admin, reader } = await tenantsAndCallers(ctx.db, ctx.app));
});

describe('/api/customers (legacy)', () => {
  it('creates, lists, links to an entity, updates and deletes a customer in the legacy wire format', async () => {
    const res = await admin('POST', '/api/customers', {
      name: 'Old Co',
      email: 'ap@old.example',
      external_id: 'cus_legacy_1',
      metadata: { plan: 'gold' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'customer',
      name: 'Old Co',
      email: 'ap@old.example',
      external_id: 'cus_legacy_1',
      currency: 'USD',
      entity_id: null,
      metadata: { plan: 'gold' },
    });
    expectProblem(await admin('POST', '/api/customers', { name: 'Dup', external_id: 'cus_legacy_1' }), 409, 'CONFLICT');

    const linked = await admin('PATCH', `/api/customers/${res.body.id}`, {
      entity_id: tenant.entityId,
      metadata: null,
    });
    expect(linked.body).toMatchObject({ entity_id: tenant.entityId, metadata: null, name: 'Old Co' });
    const byEntity = await reader('GET', `/api/customers?entity_id=${tenant.entityId}`);
    expect(byEntity.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
    const byExternal = await reader('GET', '/api/customers?external_id=cus_legacy_1');
    expect(byExternal.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);

    const deleted = await admin('DELETE', `/api/customers/${res.body.id}`);
    expect(deleted.body).toEqual({ id: res.body.id, object: 'customer', deleted: true });
    expectProblem(await reader('GET', `/api/customers/${res.body.id}`), 404, 'NOT_FOUND');
  });

  it("validates, needs admin to write and hides another organization's customers and entities", async () => {
    const bad = await admin('POST', '/api/customers', { name: '', email: 'nope', currency: 'dollars' });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['currency', 'email', 'name']);
    expectProblem(await reader('POST', '/api/customers', { name: 'x' }), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await admin('POST', '/api/customers', { name: 'x', entity_id: other.entityId }), 404, 'NOT_FOUND');
    const theirs = await caller(ctx.app, other.adminKey)('POST', '/api/customers', { name: 'Theirs' });
    expectProblem(await reader('GET', `/api/customers/${theirs.body.id}`), 404, 'NOT_FOUND');
    expectProblem(await admin('PATCH', `/api/customers/${theirs.body.id}`, { name: 'Mine' }), 404, 'NOT_FOUND');
    expectProblem(await admin('DELETE', `/api/customers/${theirs.body.id}`), 404, 'NOT_FOUND');
    expect((await ctx.db.customer.findUniqueOrThrow({ where: { id: theirs.body.id } })).name).toBe('Theirs');
  });
});

describe('/api/invoices (legacy)', () => {
  it("serves the entity's invoices in the legacy shape, attributed to the linked customer", async () => {
    const customer = await admin('POST', '/api/customers', { name: 'Linked', entity_id: tenant.entityId });
    const inv = await createFinalizedInvoice(ctx.db, tenant, {
      periodStart: new Date('2024-03-01T00:00:00Z'),
      number: 42,
    });
    const res = await reader('GET', `/api/invoices/${inv.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: inv.id,
      object: 'invoice',
      customer_id: customer.body.id,
      entity_id: tenant.entityId,
      number: 'INV-000042',
      status: 'open',
      currency: 'usd',
      subtotal_cents: 5100,
      total_cents: 4600,
      amount_due_cents: 4600,
      amount_paid_cents: 0,
      period_start: '2024-03-01T00:00:00.000Z',
      period_end: '2024-04-01T00:00:00.000Z',
      due_date: '2024-04-15T00:00:00.000Z',
      paid_at: null,
      created_at: inv.createdAt.toISOString(),
    });
    const list = await reader('GET', `/api/invoices?customer_id=${customer.body.id}&status=open`);
    expect(list.body.data.map((i: { id: string }) => i.id)).toContain(inv.id);
  });

  it("answers 404 for another organization's invoice or customer, 403 for ingest keys, 422 for bad filters", async () => {
    const theirs = await createFinalizedInvoice(ctx.db, other);
    expectProblem(await reader('GET', `/api/invoices/${theirs.id}`), 404, 'NOT_FOUND');
    expectProblem(await reader('GET', `/api/invoices/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
    const theirCustomer = await caller(ctx.app, other.adminKey)('POST', '/api/customers', { name: 'T' });
    expectProblem(await reader('GET', `/api/invoices?customer_id=${theirCustomer.body.id}`), 404, 'NOT_FOUND');
    expectProblem(await caller(ctx.app, tenant.ingestKey)('GET', '/api/invoices'), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await reader('GET', '/api/invoices?status=late'), 422, 'VALIDATION_FAILED');
  });
});
