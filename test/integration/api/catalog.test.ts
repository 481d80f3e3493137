// Price books with event prices (flat, graduated, volume; validated by the domain) and seat plans.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Caller, caller, expectProblem, tenantsAndCallers, UNKNOWN_ID } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('api-catalog');
let tenant: TestTenant;
let other: TestTenant;
let admin: Caller;
let reader: Caller;
let otherAdmin: Caller;

beforeAll(async () => {
  ({ tenant, other, admin, reader } = await tenantsAndCallers(ctx.db, ctx.app));
  otherAdmin = caller(ctx.app, other.adminKey);
});

const graduated = {
  eventType: 'freelancer.hired',
  model: 'graduated',
  tiers: [
    { upTo: '10', unitPrice: '25' },
    { upTo: '50', unitPrice: '20.5', flatFee: '5' },
    { upTo: null, unitPrice: '15' },
  ],
};

describe('/api/billing/price-books', () => {
  it('creates a book with flat, graduated and volume prices, stored exactly', async () => {
    const res = await admin('POST', '/api/billing/price-books', {
      name: 'Standard',
      currency: 'USD',
      prices: [
        { eventType: 'project.posted', model: 'flat', unitPrice: '1.5' },
        graduated,
        {
          eventType: 'message.sent',
          model: 'volume',
          tiers: [
            { upTo: '1000', unitPrice: '0.01' },
            { upTo: null, unitPrice: '0.008' },
          ],
        },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Standard', currency: 'USD', entityId: null, active: true });
    const byType = Object.fromEntries(res.body.prices.map((p: { eventType: string }) => [p.eventType, p]));
    expect(byType['project.posted']).toMatchObject({ model: 'flat', unitPrice: '1.50', tiers: null, currency: 'USD' });
    expect(byType['freelancer.hired'].tiers).toEqual([
      { upTo: '10', unitPrice: '25.00' },
      { upTo: '50', unitPrice: '20.50', flatFee: '5.00' },
      { upTo: null, unitPrice: '15.00' },
    ]);
    expect(byType['message.sent'].tiers).toEqual([
      { upTo: '1000', unitPrice: '0.01' },
      { upTo: null, unitPrice: '0.008' },
    ]);
    const stored = await ctx.db.eventPrice.findFirstOrThrow({
      where: { priceBookId: res.body.id, eventType: 'project.posted' },
    });
    expect(stored.unitPrice?.toString()).toBe('1.5');
  });

  it('adds, reads, replaces and deletes an event price; duplicates are 409', async () => {
    // An organization of its own, in EUR: the shared tenant's USD book already prices freelancer.hired.
    const eu = await createTenant(ctx.db, { currency: 'EUR' });
    const admin = caller(ctx.app, eu.adminKey);
    const reader = caller(ctx.app, eu.readKey);
    const book = await admin('POST', '/api/billing/price-books', { name: 'Adds', currency: 'EUR' });
    const base = `/api/billing/price-books/${book.body.id}/prices`;
    const added = await admin('POST', base, graduated);
    expect(added.status).toBe(201);
    expect(added.body.currency).toBe('EUR');
    expectProblem(await admin('POST', base, graduated), 409, 'CONFLICT');

    const replaced = await admin('PUT', `${base}/${added.body.id}`, { model: 'flat', unitPrice: '3' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      eventType: 'freelancer.hired',
      model: 'flat',
      unitPrice: '3.00',
      tiers: null,
    });
    const list = await reader('GET', base);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([added.body.id]);

    // The entity prices freelancer.hired through it: in use until another book covers it.
    expectProblem(await admin('DELETE', `${base}/${added.body.id}`), 409, 'PRICE_BOOK_IN_USE');
    const own = await admin('POST', '/api/billing/price-books', {
      name: 'Own',
      currency: 'EUR',
      entityId: eu.entityId,
      prices: [{ eventType: 'freelancer.hired', model: 'flat', unitPrice: '2' }],
    });
    expect(own.status).toBe(201);
    const deleted = await admin('DELETE', `${base}/${added.body.id}`);
    expect(deleted.body).toEqual({ id: added.body.id, object: 'event_price', deleted: true });
    expectProblem(await reader('GET', `${base}/${added.body.id}`), 404, 'NOT_FOUND');
  });

  it('rejects malformed tiers with INVALID_PRICE_DEFINITION and creates nothing', async () => {
    const before = await ctx.db.priceBook.count({ where: { organizationId: tenant.organizationId } });
    const openMiddle = await admin('POST', '/api/billing/price-books', {
      name: 'Broken',
      currency: 'USD',
      prices: [
        {
          eventType: 'x',
          model: 'graduated',
          tiers: [
            { upTo: null, unitPrice: '1' },
            { upTo: '10', unitPrice: '2' },
          ],
        },
      ],
    });
    expectProblem(openMiddle, 422, 'INVALID_PRICE_DEFINITION');
    const flatWithTiers = await admin('POST', '/api/billing/price-books', {
      name: 'Broken',
      currency: 'USD',
      prices: [{ eventType: 'x', model: 'flat', tiers: [{ upTo: null, unitPrice: '1' }] }],
    });
    expectProblem(flatWithTiers, 422, 'INVALID_PRICE_DEFINITION');
    const decreasing = await admin('POST', '/api/billing/price-books', {
      name: 'Broken',
      currency: 'USD',
      prices: [
        {
          eventType: 'x',
          model: 'volume',
          tiers: [
            { upTo: '10', unitPrice: '1' },
            { upTo: '5', unitPrice: '1' },
            { upTo: null, unitPrice: '1' },
          ],
        },
      ],
    });
    expectProblem(decreasing, 422, 'INVALID_PRICE_DEFINITION');
    const badShape = await admin('POST', '/api/billing/price-books', {
      name: 'Broken',
      currency: 'XYZ',
      prices: [{ eventType: 'a b', model: 'tiered' }],
    });
    expectProblem(badShape, 422, 'VALIDATION_FAILED');
    expect(badShape.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'currency',
      'prices.0.eventType',
      'prices.0.model',
    ]);
    expect(await ctx.db.priceBook.count({ where: { organizationId: tenant.organizationId } })).toBe(before);
  });

  it('entity override books must use the entity currency', async () => {
    const mismatch = await admin('POST', '/api/billing/price-books', {
      name: 'UK',
      currency: 'GBP',
      entityId: tenant.entityId,
    });
    expectProblem(mismatch, 422, 'CURRENCY_MISMATCH');
    const ok = await admin('POST', '/api/billing/price-books', {
      name: 'Override',
      currency: 'USD',
      entityId: tenant.entityId,
    });
    expect(ok.status).toBe(201);
    const filtered = await reader('GET', `/api/billing/price-books?entityId=${tenant.entityId}`);
    expect(filtered.body.data.map((b: { id: string }) => b.id)).toEqual([ok.body.id]);
    const updated = await admin('PATCH', `/api/billing/price-books/${ok.body.id}`, { active: false });
    expect(updated.body.active).toBe(false);
    const removed = await admin('DELETE', `/api/billing/price-books/${ok.body.id}`);
    expect(removed.status).toBe(200);
    expectProblem(await reader('GET', `/api/billing/price-books/${ok.body.id}`), 404, 'NOT_FOUND');
  });

  it("hides another organization's books (404) and needs admin to write (403)", async () => {
    const theirs = await otherAdmin('POST', '/api/billing/price-books', {
      name: 'Theirs',
      currency: 'USD',
      prices: [graduated],
    });
    const id = theirs.body.id as string;
    const priceId = theirs.body.prices[0].id as string;
    expectProblem(await reader('GET', `/api/billing/price-books/${id}`), 404, 'NOT_FOUND');
    expectProblem(await admin('PATCH', `/api/billing/price-books/${id}`, { name: 'Mine' }), 404, 'NOT_FOUND');
    expectProblem(
      await admin('POST', `/api/billing/price-books/${id}/prices`, { eventType: 'y', model: 'flat', unitPrice: '1' }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await admin('PUT', `/api/billing/price-books/${id}/prices/${priceId}`, { model: 'flat', unitPrice: '0' }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await admin('DELETE', `/api/billing/price-books/${id}/prices/${priceId}`), 404, 'NOT_FOUND');
    expectProblem(await reader('GET', `/api/billing/price-books/${id}/prices`), 404, 'NOT_FOUND');
    expectProblem(
      await admin('POST', '/api/billing/price-books', { name: 'x', currency: 'USD', entityId: other.entityId }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await reader('POST', '/api/billing/price-books', { name: 'x', currency: 'USD' }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expectProblem(await reader('GET', `/api/billing/price-books/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
    expect((await ctx.db.eventPrice.findUniqueOrThrow({ where: { id: priceId } })).model).toBe('graduated');
  });
});

describe('/api/billing/seat-plans', () => {
  it('creates, lists, reads, updates and deletes a plan', async () => {
    const res = await admin('POST', '/api/billing/seat-plans', {
      name: 'Pro monthly',
      interval: 'month',
      pricePerSeat: '12',
      currency: 'USD',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Pro monthly',
      interval: 'month',
      pricePerSeat: '12.00',
      currency: 'USD',
      active: true,
    });
    const annual = await admin('POST', '/api/billing/seat-plans', {
      name: 'Pro annual',
      interval: 'year',
      pricePerSeat: '120000',
      currency: 'JPY',
    });
    expect(annual.body.pricePerSeat).toBe('120000');

    const list = await reader('GET', '/api/billing/seat-plans?active=true');
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([res.body.id, annual.body.id]);
    const read = await reader('GET', `/api/billing/seat-plans/${res.body.id}`);
    expect(read.body.name).toBe('Pro monthly');
    const updated = await admin('PATCH', `/api/billing/seat-plans/${res.body.id}`, { active: false });
    expect(updated.body.active).toBe(false);
    expect(
      (await reader('GET', '/api/billing/seat-plans?active=false')).body.data.map((p: { id: string }) => p.id),
    ).toEqual([res.body.id]);
    const deleted = await admin('DELETE', `/api/billing/seat-plans/${res.body.id}`);
    expect(deleted.body).toEqual({ id: res.body.id, object: 'seat_plan', deleted: true });
    expectProblem(await reader('GET', `/api/billing/seat-plans/${res.body.id}`), 404, 'NOT_FOUND');
  });

  it('refuses to delete a plan a live subscription uses', async () => {
    const plan = await admin('POST', '/api/billing/seat-plans', {
      name: 'Used',
      interval: 'month',
      pricePerSeat: '5',
      currency: 'USD',
    });
    await ctx.db.entitySubscription.create({
      data: {
        entityId: tenant.entityId,
        planId: plan.body.id,
        seats: 3,
        currentPeriodStart: new Date('2026-01-01T00:00:00Z'),
        currentPeriodEnd: new Date('2026-02-01T00:00:00Z'),
        workflowId: `subscription:test-${plan.body.id}`,
      },
    });
    expectProblem(await admin('DELETE', `/api/billing/seat-plans/${plan.body.id}`), 409, 'SEAT_PLAN_IN_USE');
  });

  it('counts a subscription being created while the plan is deleted', async () => {
    const plan = await admin('POST', '/api/billing/seat-plans', {
      name: 'Racing',
      interval: 'month',
      pricePerSeat: '5',
      currency: 'USD',
    });
    let commit!: () => void;
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    let inserted!: () => void;
    const isInserted = new Promise<void>((r) => {
      inserted = r;
    });
    const creating = ctx.db.$transaction(
      async (tx) => {
        await tx.entitySubscription.create({
          data: {
            entityId: tenant.entityId,
            planId: plan.body.id,
            seats: 1,
            currentPeriodStart: new Date('2026-01-01T00:00:00Z'),
            currentPeriodEnd: new Date('2026-02-01T00:00:00Z'),
            workflowId: `subscription:race-${plan.body.id}`,
          },
        });
        inserted();
        await committed;
      },
      { timeout: 20_000 },
    );
    await isInserted;
    const deleting = admin('DELETE', `/api/billing/seat-plans/${plan.body.id}`);
    await new Promise((r) => setTimeout(r, 300));
    commit();
    await creating;
    expectProblem(await deleting, 409, 'SEAT_PLAN_IN_USE');
  });

  it('validates, hides other organizations and needs admin to write', async () => {
    const bad = await admin('POST', '/api/billing/seat-plans', {
      name: 'x',
      interval: 'week',
      pricePerSeat: '1.2345678',
      currency: 'USD',
    });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['interval', 'pricePerSeat']);
    const theirs = await otherAdmin('POST', '/api/billing/seat-plans', {
      name: 'T',
      interval: 'month',
      pricePerSeat: '1',
      currency: 'USD',
    });
    expectProblem(await reader('GET', `/api/billing/seat-plans/${theirs.body.id}`), 404, 'NOT_FOUND');
    expectProblem(
      await admin('PATCH', `/api/billing/seat-plans/${theirs.body.id}`, { name: 'Mine' }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await admin('DELETE', `/api/billing/seat-plans/${theirs.body.id}`), 404, 'NOT_FOUND');
    expectProblem(
      await reader('POST', '/api/billing/seat-plans', {
        name: 'x',
        interval: 'month',
        pricePerSeat: '1',
        currency: 'USD',
      }),
      403,
      'INSUFFICIENT_SCOPE',
    );
  });
});
