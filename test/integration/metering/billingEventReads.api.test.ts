// Metered events read back over HTTP: GET /api/billing/events (filters by entity, user, type, status and occurredAt
// range; cursor pagination in the list envelope) and GET /api/billing/events/{eventId} with how it was billed: the
// rating and price, the credit draws, its period and the period billing it, and the invoice lines it is on (its
// usage line, a re-rating adjustment, a late-usage line). Another organization's event is 404.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBillingCycleActivities } from '../../../activities/invoicing/billingCycle.js';
import { createCloseBillingPeriodActivities } from '../../../activities/invoicing/closeBillingPeriod.js';
import { createEventReplayActivities } from '../../../activities/jobs/eventReplay.js';
import {
  type IngestEventInput,
  ingestEvents,
  type StoredEventOutcome,
} from '../../../activities/metering/ingestEvents.js';
import { clearMeteringCache } from '../../../activities/metering/meteringContext.js';
import { type Caller, caller, expectProblem } from '../../support/apiFactories.js';
import {
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  type MeteringTenant,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('billing-event-reads');

const PRICES = [
  { eventType: 'project.posted', unitPrice: '2.50' },
  { eventType: 'task.done', unitPrice: '1.00' },
];

async function post(t: MeteringTenant, overrides: Record<string, unknown>) {
  const res = await ctx.app.request('/api/billing/events', {
    method: 'POST',
    headers: jsonHeaders(t.ingestKey),
    body: JSON.stringify(eventBody(t, overrides)),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { eventId: string; status: string; code: string | null };
}

describe('GET /api/billing/events', () => {
  let t: MeteringTenant;
  let read: Caller;
  const ids: string[] = [];
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

  beforeAll(async () => {
    t = await createMeteringTenant(ctx.db, { members: 2, prices: PRICES });
    read = caller(ctx.app, t.readKey);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '6.00');
    // Received in this order (ids are time-ordered): 2.50, 1.00, 2.50 accepted; the fourth finds 0.00 left.
    ids.push((await post(t, { eventType: 'project.posted', occurredAt: at(40) })).eventId);
    ids.push((await post(t, { eventType: 'task.done', userId: t.userIds[1], occurredAt: at(30) })).eventId);
    ids.push((await post(t, { eventType: 'project.posted', occurredAt: at(20) })).eventId);
    const rejected = await post(t, { eventType: 'project.posted', occurredAt: at(10) });
    expect([rejected.status, rejected.code]).toEqual(['rejected', 'INSUFFICIENT_CREDITS']);
    ids.push(rejected.eventId);
  });

  const listed = async (query: string) => {
    const res = await read('GET', `/api/billing/events?${query}`);
    expect(res.status).toBe(200);
    return res.body as { object: string; data: Array<Record<string, unknown>>; hasMore: boolean; nextCursor: string };
  };
  const idsOf = (page: { data: Array<Record<string, unknown>> }) => page.data.map((e) => e.id);

  it('lists the entity’s events in the order received, each with its outcome', async () => {
    const page = await listed(`entityId=${t.entityId}`);
    expect(page.object).toBe('list');
    expect(idsOf(page)).toEqual(ids);
    expect(page.data[0]).toEqual({
      id: ids[0],
      entityId: t.entityId,
      userId: t.userIds[0],
      eventType: 'project.posted',
      quantity: 1,
      occurredAt: expect.any(String),
      receivedAt: expect.any(String),
      idempotencyKey: expect.any(String),
      properties: {},
      status: 'accepted',
      code: null,
      currency: 'USD',
      ratedAmount: '2.50',
      creditsDrawn: '2.50',
      billedLater: '0.00',
      balanceAfter: '3.50',
      periodStart: expect.any(String),
      billedPeriodStart: page.data[0]?.periodStart,
      late: false,
    });
    // Rated, then refused: nothing drawn, nothing billed.
    expect(page.data[3]).toMatchObject({
      status: 'rejected',
      code: 'INSUFFICIENT_CREDITS',
      ratedAmount: '2.50',
      creditsDrawn: '0.00',
      billedLater: '0.00',
    });
  });

  it('filters by user, type, status and occurredAt range, and pages with starting_after', async () => {
    expect(idsOf(await listed(`entityId=${t.entityId}&userId=${t.userIds[1]}`))).toEqual([ids[1]]);
    expect(idsOf(await listed(`entityId=${t.entityId}&type=project.posted`))).toEqual([ids[0], ids[2], ids[3]]);
    expect(idsOf(await listed(`entityId=${t.entityId}&status=rejected`))).toEqual([ids[3]]);
    expect(idsOf(await listed(`entityId=${t.entityId}&status=accepted&type=task.done`))).toEqual([ids[1]]);
    // from inclusive, to exclusive, on occurredAt.
    const events = (await listed(`entityId=${t.entityId}`)).data;
    const range = `from=${encodeURIComponent(events[1]!.occurredAt as string)}&to=${encodeURIComponent(events[3]!.occurredAt as string)}`;
    expect(idsOf(await listed(`entityId=${t.entityId}&${range}`))).toEqual([ids[1], ids[2]]);

    const first = await listed(`entityId=${t.entityId}&limit=2`);
    expect([idsOf(first), first.hasMore, first.nextCursor]).toEqual([[ids[0], ids[1]], true, ids[1]]);
    const second = await listed(`entityId=${t.entityId}&limit=2&starting_after=${first.nextCursor}`);
    expect([idsOf(second), second.hasMore, second.nextCursor]).toEqual([[ids[2], ids[3]], false, null]);
    // Without an entity filter: the organization's events, and only them.
    expect(idsOf(await listed('limit=100'))).toEqual(ids);
  });

  it("never shows another organization's events, and validates filters", async () => {
    const other = await createMeteringTenant(ctx.db, { prices: PRICES, overagePolicy: 'bill' });
    const theirs = await post(other, { occurredAt: at(5) });
    expect(idsOf(await listed(`entityId=${other.entityId}`))).toEqual([]);
    expect(idsOf(await listed('limit=100'))).not.toContain(theirs.eventId);
    expectProblem(await read('GET', `/api/billing/events/${theirs.eventId}`), 404, 'NOT_FOUND');
    expectProblem(await read('GET', '/api/billing/events?status=maybe'), 422, 'VALIDATION_FAILED');
    expectProblem(await read('GET', '/api/billing/events?from=yesterday'), 422, 'VALIDATION_FAILED');
    expectProblem(await caller(ctx.app, t.ingestKey)('GET', '/api/billing/events'), 403, 'INSUFFICIENT_SCOPE');
  });
});

describe('GET /api/billing/events/{eventId}', () => {
  it('shows the rating and price, the draws, the periods and the invoice lines: usage, re-rating, late usage', async () => {
    const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill', prices: PRICES });
    const read = caller(ctx.app, t.readKey);
    const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '3.00');
    const cycle = createBillingCycleActivities(ctx.db);
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    const meter = (now: string, events: Array<{ occurredAt: string }>) =>
      ingestEvents(
        ctx.db,
        t.organizationId,
        events.map(
          (e): IngestEventInput => ({
            entityId: t.entityId,
            userId: t.userIds[0] as string,
            eventType: 'project.posted',
            quantity: 1,
            idempotencyKey: randomUUID(),
            properties: {},
            ...e,
          }),
        ),
        { now: new Date(now) },
      ).then((r) => r.outcomes as StoredEventOutcome[]);

    const first = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T09:00:00.000Z',
      workflowId: `billing:${t.entityId}`,
    });
    // 2.50 drawn from the 3.00 grant, then 0.50 drawn and 2.00 billed later.
    const [e1, e2] = await meter('2026-12-07T09:30:00.000Z', [
      { occurredAt: '2026-12-03T12:00:00.000Z' },
      { occurredAt: '2026-12-04T12:00:00.000Z' },
    ]);
    const open = await read('GET', `/api/billing/events/${e1!.eventId}`);
    expect(open.status).toBe(200);
    const price = await ctx.db.eventPrice.findFirstOrThrow({
      where: { eventType: 'project.posted', priceBook: { organizationId: t.organizationId } },
      include: { priceBook: true },
    });
    expect(open.body).toMatchObject({
      id: e1!.eventId,
      status: 'accepted',
      ratedAmount: '2.50',
      creditsDrawn: '2.50',
      billedLater: '0.00',
      draws: [{ grantId, amount: '2.50', ledgerEntryId: expect.any(String) }],
      rating: {
        priceId: price.id,
        usageBefore: '0',
        price: {
          id: price.id,
          priceBookId: price.priceBookId,
          priceBookName: price.priceBook.name,
          eventType: 'project.posted',
          model: 'flat',
          unitPrice: '2.50',
          tiers: null,
        },
      },
      period: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z', status: 'open' },
      billedPeriod: {
        start: '2026-12-01T00:00:00.000Z',
        end: '2027-01-01T00:00:00.000Z',
        status: 'open',
        invoiceId: null,
      },
      invoiceLines: [],
      late: false,
    });
    const draw = open.body.draws[0].ledgerEntryId as string;
    const ledger = await read('GET', `/api/billing/credits/ledger?eventId=${e1!.eventId}`);
    expect(ledger.body.data.map((l: { id: string }) => l.id)).toEqual([draw]);
    const e2Detail = await read('GET', `/api/billing/events/${e2!.eventId}`);
    expect(e2Detail.body).toMatchObject({
      creditsDrawn: '0.50',
      billedLater: '2.00',
      draws: [{ grantId, amount: '0.50' }],
      rating: { usageBefore: '1' },
    });

    // The price goes up to 3.00 and a re-rating job adjusts both events by 0.50; then close now.
    await ctx.db.eventPrice.update({ where: { id: price.id }, data: { unitPrice: '3.00' } });
    clearMeteringCache();
    const replay = createEventReplayActivities(ctx.db);
    const range = {
      jobId: randomUUID(),
      entityId: t.entityId,
      from: '2026-12-01T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
    };
    const progress = await replay.startEventReplay(range);
    const chunk = await replay.reRateEventChunk({ ...range, after: null, limit: 100, progress });
    expect(chunk.progress).toMatchObject({ adjustments: 2, adjustedAmount: '1.00' });
    const closed = await closeBillingPeriod({ billingPeriodId: first.billingPeriodId, at: '2026-12-07T10:00:00.000Z' });
    const invoice1 = closed.invoiceId as string;

    const afterClose = await read('GET', `/api/billing/events/${e1!.eventId}`);
    expect(afterClose.body.period).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2026-12-07T10:00:00.000Z',
      status: 'closed',
    });
    expect(afterClose.body.billedPeriod).toMatchObject({ status: 'closed', invoiceId: invoice1 });
    // The price as it is now; the event keeps the amount it was rated at.
    expect([afterClose.body.ratedAmount, afterClose.body.rating.price.unitPrice]).toEqual(['2.50', '3.00']);
    expect(afterClose.body.invoiceLines).toEqual([
      {
        invoiceId: invoice1,
        invoiceNumber: closed.invoiceNumber,
        invoiceStatus: 'open',
        lineId: expect.any(String),
        position: expect.any(Number),
        kind: 'usage',
        description: 'project.posted (2 events)',
        amount: '5.00',
        role: 'usage',
      },
      {
        invoiceId: invoice1,
        invoiceNumber: closed.invoiceNumber,
        invoiceStatus: 'open',
        lineId: expect.any(String),
        position: expect.any(Number),
        kind: 'adjustment',
        description: `Re-rated project.posted (2 events, job ${range.jobId})`,
        amount: '1.00',
        role: 'rerating',
      },
    ]);

    // A late event of the closed stub, billed on the next period's invoice on a line of its own.
    const second = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T10:00:00.000Z',
      workflowId: `billing:${t.entityId}`,
    });
    const [late] = await meter('2026-12-07T10:30:00.000Z', [{ occurredAt: '2026-12-05T12:00:00.000Z' }]);
    const pending = await read('GET', `/api/billing/events/${late!.eventId}`);
    expect(pending.body).toMatchObject({
      late: true,
      ratedAmount: '3.00',
      billedLater: '3.00',
      draws: [],
      rating: { usageBefore: '2' },
      period: { start: '2026-12-01T00:00:00.000Z', end: '2026-12-07T10:00:00.000Z', status: 'closed' },
      billedPeriod: { start: '2026-12-07T10:00:00.000Z', status: 'open', invoiceId: null },
      invoiceLines: [],
    });
    const closed2 = await closeBillingPeriod({
      billingPeriodId: second.billingPeriodId,
      at: '2026-12-07T11:00:00.000Z',
    });
    const billed = await read('GET', `/api/billing/events/${late!.eventId}`);
    expect(billed.body.invoiceLines).toEqual([
      {
        invoiceId: closed2.invoiceId,
        invoiceNumber: closed2.invoiceNumber,
        invoiceStatus: 'open',
        lineId: expect.any(String),
        position: expect.any(Number),
        kind: 'usage',
        description: 'Late usage, 1 Dec 2026 – 7 Dec 2026 10:00: project.posted (1 event)',
        amount: '3.00',
        role: 'late_usage',
      },
    ]);
  });
});
