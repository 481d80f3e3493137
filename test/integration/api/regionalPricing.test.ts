// Regional pricing, one price book per currency: an organization with USD, EUR and JPY entities prices one event type
// in each currency, and every entity is rated in its own currency by its own region's book. A currency the
// organization's books miss is refused when the entity is created (422), before any event is sent.
import { afterAll, describe, expect, it } from 'vitest';
import { clearMeteringCache } from '../../../activities/metering/meteringContext.js';
import { caller, expectProblem, terminateBillingWorkflows } from '../../support/apiFactories.js';
import { createMeteringTenant, eventBody, grantCredits } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const startedEntities: string[] = [];
const ctx = apiTestContext('regional-pricing');
afterAll(async () => {
  if (ctx.client) await terminateBillingWorkflows(ctx.client, startedEntities);
});

const books = '/api/billing/price-books';
const flat = (eventType: string, unitPrice: string) => ({ eventType, model: 'flat', unitPrice });

describe('an organization priced in USD, EUR and JPY', () => {
  it('rates each entity in its own currency through the book of that currency', async () => {
    const t = await createMeteringTenant(ctx.db); // USD entity, USD book: project.posted at 2.50
    const admin = caller(ctx.app, t.adminKey);
    const ingest = caller(ctx.app, t.ingestKey);

    for (const [currency, price] of [
      ['EUR', '2.30'],
      ['JPY', '380'],
    ] as const) {
      const res = await admin('POST', books, {
        name: `${currency} prices`,
        currency,
        prices: [flat('project.posted', price)],
      });
      expect(res.status).toBe(201);
    }

    const entities: Record<string, string> = { USD: t.entityId };
    for (const currency of ['EUR', 'JPY']) {
      const res = await admin('POST', '/api/entities', { name: `Acme ${currency}`, currency });
      expect(res.status).toBe(201);
      startedEntities.push(res.body.id);
      entities[currency] = res.body.id;
      await ctx.db.entityUser.create({ data: { entityId: res.body.id, userId: t.userIds[0]! } });
    }
    await grantCredits(ctx.db, t.organizationId, entities.USD!, '100.00');
    await grantCredits(ctx.db, t.organizationId, entities.EUR!, '100.00');
    await grantCredits(ctx.db, t.organizationId, entities.JPY!, '10000');

    clearMeteringCache();
    const rated: Record<string, unknown> = {};
    for (const [currency, entityId] of Object.entries(entities)) {
      const res = await ingest(
        'POST',
        '/api/billing/events',
        eventBody({ entityId, userIds: t.userIds }, { quantity: 3 }),
      );
      expect(res.status).toBe(200);
      rated[currency] = [res.body.status, res.body.ratedAmount, res.body.currency];
    }
    expect(rated).toEqual({
      USD: ['accepted', '7.50', 'USD'],
      EUR: ['accepted', '6.90', 'EUR'],
      JPY: ['accepted', '1140', 'JPY'],
    });

    // A second JPY book pricing the type is a duplicate in that region: refused, and nothing stops metering.
    const twice = await admin('POST', books, {
      name: 'JPY again',
      currency: 'JPY',
      prices: [flat('project.posted', '1')],
    });
    expectProblem(twice, 409, 'PRICE_BOOK_CONFLICT');
    expect(twice.body.conflicts[0]).toMatchObject({ reason: 'priced_twice', entityIds: [entities.JPY] });

    // KRW: no book prices project.posted in it. Refused at creation, no entity written.
    const krw = await admin('POST', '/api/entities', { name: 'Acme KR', currency: 'KRW' });
    expectProblem(krw, 422, 'ENTITY_CURRENCY_NOT_PRICED');
    expect(krw.body.conflicts[0]).toMatchObject({ eventType: 'project.posted', reason: 'wrong_currency' });
    expect(krw.body.conflicts[0].priceBookIds).toHaveLength(3);
    expect(await ctx.db.entity.count({ where: { organizationId: t.organizationId, currency: 'KRW' } })).toBe(0);
  });
});
