// Regressions of the period lifecycle: close-now, anchor-day changes, late events and re-rating, each driven through
// the activities the billing workflow runs (open, close, change anchor) and the metering path, at explicit instants.
// One rule throughout: an event belongs to the BillingPeriod row whose [start, end) holds its occurredAt.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { createBillingCycleActivities } from '../../../activities/invoicing/billingCycle.js';
import { createCloseBillingPeriodActivities } from '../../../activities/invoicing/closeBillingPeriod.js';
import { createEventReplayActivities } from '../../../activities/jobs/eventReplay.js';
import {
  type IngestEventInput,
  ingestEvents,
  type StoredEventOutcome,
} from '../../../activities/metering/ingestEvents.js';
import { createSubscriptionLifecycleActivities } from '../../../activities/subscriptions/subscriptionLifecycle.js';
import { createMeteringTenant, type MeteringTenant } from '../../support/meteringFactories.js';
import { dbTestContext } from '../../support/testContext.js';
import { createBilledSubscription, createSeatPlan } from '../../support/workflowFactories.js';

const ctx = dbTestContext(6);

// task.done: the first 10 units of a period at 1.00, every further one at 0.50; project.posted: 2.50 flat.
const PRICES = [
  {
    eventType: 'task.done',
    model: 'graduated' as const,
    tiers: [
      { upTo: '10', unitPrice: '1' },
      { upTo: null, unitPrice: '0.5' },
    ],
  },
  { eventType: 'project.posted', unitPrice: '2.50' },
];

const tenantWithPrices = () => createMeteringTenant(ctx.db, { overagePolicy: 'bill', prices: PRICES });

function meter(t: MeteringTenant, now: string, events: Array<Partial<IngestEventInput> & { occurredAt: string }>) {
  return ingestEvents(
    ctx.db,
    t.organizationId,
    events.map((e) => ({
      entityId: t.entityId,
      userId: t.userIds[0] as string,
      eventType: 'task.done',
      quantity: 1,
      idempotencyKey: randomUUID(),
      properties: {},
      ...e,
    })),
    { now: new Date(now) },
  ).then((r) => r.outcomes as StoredEventOutcome[]);
}

const workflowId = (t: MeteringTenant) => `billing:${t.entityId}`;

async function expectNoViolations(t: MeteringTenant) {
  const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 1e9 });
  expect(report.violations).toEqual([]);
}

async function invoiceLines(invoiceId: string | null) {
  const lines = await ctx.db.invoiceLine.findMany({
    where: { invoiceId: invoiceId ?? '' },
    orderBy: { position: 'asc' },
  });
  return lines.map((l) => ({
    kind: l.kind,
    description: l.description,
    quantity: l.quantity.toString(),
    unitAmount: l.unitAmount?.toString() ?? null,
    amount: l.amount.toString(),
  }));
}

async function periodRows(entityId: string) {
  const rows = await ctx.db.billingPeriod.findMany({ where: { entityId }, orderBy: { periodStart: 'asc' } });
  return rows.map((r) => ({ start: r.periodStart.toISOString(), end: r.periodEnd.toISOString(), status: r.status }));
}

describe('close now', () => {
  it('ends the open period now, starts the next one there, and bills late events once on the next invoice', async () => {
    const t = await tenantWithPrices();
    const cycle = createBillingCycleActivities(ctx.db);
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);

    const first = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T09:00:00.000Z',
      workflowId: workflowId(t),
    });
    expect([first.periodStart, first.periodEnd]).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    await meter(t, '2026-12-07T09:30:00.000Z', [{ occurredAt: '2026-12-03T12:00:00.000Z', quantity: 8 }]);

    const closed = await closeBillingPeriod({ billingPeriodId: first.billingPeriodId, at: '2026-12-07T10:00:00.000Z' });
    expect(closed.periodEnd).toBe('2026-12-07T10:00:00.000Z');
    const invoice = await ctx.db.invoice.findUniqueOrThrow({ where: { id: closed.invoiceId as string } });
    expect([invoice.periodStart.toISOString(), invoice.periodEnd.toISOString(), invoice.total.toString()]).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2026-12-07T10:00:00.000Z',
      '8',
    ]);

    const second = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T10:00:00.000Z',
      workflowId: workflowId(t),
    });
    expect([second.periodStart, second.periodEnd]).toEqual(['2026-12-07T10:00:00.000Z', '2027-01-01T00:00:00.000Z']);

    // After the close: a new period, so the tiers start again (5 units at 1.00, not 2 at 1.00 and 3 at 0.50).
    const [after] = await meter(t, '2026-12-07T11:00:00.000Z', [
      { occurredAt: '2026-12-07T11:00:00.000Z', quantity: 5 },
    ]);
    expect(after).toMatchObject({
      status: 'accepted',
      ratedAmount: '5.00',
      periodStart: '2026-12-07T10:00:00.000Z',
      billedPeriodStart: '2026-12-07T10:00:00.000Z',
      late: false,
    });

    // Late events of the closed stub: rated on that period's tiers (8 used: 1.00, 1.00, then 0.50), billed later.
    const late = await meter(t, '2026-12-07T11:05:00.000Z', [
      { occurredAt: '2026-12-05T08:00:00.000Z' },
      { occurredAt: '2026-12-05T09:00:00.000Z' },
      { occurredAt: '2026-12-06T09:00:00.000Z' },
      { occurredAt: '2026-12-06T10:00:00.000Z', eventType: 'project.posted' },
    ]);
    expect(late.map((o) => [o.status, o.ratedAmount, o.periodStart, o.billedPeriodStart, o.late])).toEqual([
      ['accepted', '1.00', '2026-12-01T00:00:00.000Z', '2026-12-07T10:00:00.000Z', true],
      ['accepted', '1.00', '2026-12-01T00:00:00.000Z', '2026-12-07T10:00:00.000Z', true],
      ['accepted', '0.50', '2026-12-01T00:00:00.000Z', '2026-12-07T10:00:00.000Z', true],
      ['accepted', '2.50', '2026-12-01T00:00:00.000Z', '2026-12-07T10:00:00.000Z', true],
    ]);

    // A second close-now the same day invoices only what the stub period holds, late usage one line per type.
    const closedAgain = await closeBillingPeriod({
      billingPeriodId: second.billingPeriodId,
      at: '2026-12-07T12:00:00.000Z',
    });
    const again = await ctx.db.invoice.findUniqueOrThrow({ where: { id: closedAgain.invoiceId as string } });
    expect([again.periodStart.toISOString(), again.periodEnd.toISOString(), again.total.toString()]).toEqual([
      '2026-12-07T10:00:00.000Z',
      '2026-12-07T12:00:00.000Z',
      '10',
    ]);
    expect(await invoiceLines(again.id)).toEqual([
      { kind: 'usage', description: 'task.done (1 event)', quantity: '5', unitAmount: '1', amount: '5' },
      {
        kind: 'usage',
        description: 'Late usage, 1 Dec 2026 – 7 Dec 2026 10:00: project.posted (1 event)',
        quantity: '1',
        unitAmount: '2.5',
        amount: '2.5',
      },
      {
        kind: 'usage',
        description: 'Late usage, 1 Dec 2026 – 7 Dec 2026 10:00: task.done (3 events)',
        quantity: '3',
        unitAmount: null,
        amount: '2.5',
      },
    ]);
    // Each event's billed-later item went onto that invoice, none left pending, none a line of its own.
    expect(await ctx.db.invoiceItem.count({ where: { entityId: t.entityId, invoiceId: null } })).toBe(0);

    await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T12:00:00.000Z',
      workflowId: workflowId(t),
    });
    expect(await periodRows(t.entityId)).toEqual([
      { start: '2026-12-01T00:00:00.000Z', end: '2026-12-07T10:00:00.000Z', status: 'closed' },
      { start: '2026-12-07T10:00:00.000Z', end: '2026-12-07T12:00:00.000Z', status: 'closed' },
      { start: '2026-12-07T12:00:00.000Z', end: '2027-01-01T00:00:00.000Z', status: 'open' },
    ]);
    await expectNoViolations(t);
  });

  it('never ends a period before an event it already holds (events may occur minutes ahead of the clock)', async () => {
    const t = await tenantWithPrices();
    const cycle = createBillingCycleActivities(ctx.db);
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    const open = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T09:00:00.000Z',
      workflowId: workflowId(t),
    });
    await meter(t, '2026-12-07T09:58:00.000Z', [{ occurredAt: '2026-12-07T10:02:00.000Z' }]);
    const closed = await closeBillingPeriod({ billingPeriodId: open.billingPeriodId, at: '2026-12-07T10:00:00.000Z' });
    expect(closed.periodEnd).toBe('2026-12-07T10:02:00.001Z');
  });
});

describe('anchor-day change', () => {
  it('moves the open period end; events keep one period and one counter; past the boundary a new row holds them', async () => {
    const t = await tenantWithPrices();
    const cycle = createBillingCycleActivities(ctx.db);
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    const first = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T09:00:00.000Z',
      workflowId: workflowId(t),
    });
    await meter(t, '2026-12-07T09:00:00.000Z', [{ occurredAt: '2026-12-03T00:00:00.000Z', quantity: 6 }]);

    const changed = await cycle.changeBillingAnchor({
      entityId: t.entityId,
      billingPeriodId: first.billingPeriodId,
      anchorDay: 15,
      at: '2026-12-07T09:00:00.000Z',
    });
    expect(changed).toEqual({
      periodEnd: '2026-12-15T00:00:00.000Z',
      anchorDay: 15,
      billingPeriodId: first.billingPeriodId,
    });

    // Same period as before the change, the counter carries on from 6: 4 units at 1.00, 2 at 0.50.
    const [mid] = await meter(t, '2026-12-10T00:00:00.000Z', [{ occurredAt: '2026-12-10T00:00:00.000Z', quantity: 6 }]);
    expect([mid?.ratedAmount, mid?.periodStart]).toEqual(['5.00', '2026-12-01T00:00:00.000Z']);

    // The boundary passed, the close has not run yet: the metering path opens the next row itself.
    const [next] = await meter(t, '2026-12-16T00:00:00.000Z', [
      { occurredAt: '2026-12-16T00:00:00.000Z', quantity: 2 },
    ]);
    expect([next?.ratedAmount, next?.periodStart]).toEqual(['2.00', '2026-12-15T00:00:00.000Z']);

    const closed = await closeBillingPeriod({ billingPeriodId: first.billingPeriodId, at: '2026-12-15T00:00:00.000Z' });
    expect(await invoiceLines(closed.invoiceId)).toEqual([
      { kind: 'usage', description: 'task.done (2 events)', quantity: '12', unitAmount: null, amount: '11' },
    ]);
    const second = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-15T00:00:00.000Z',
      workflowId: workflowId(t),
    });
    expect([second.periodStart, second.periodEnd]).toEqual(['2026-12-15T00:00:00.000Z', '2027-01-15T00:00:00.000Z']);

    // An event of the closed period arriving now: late, on the closed period's tiers (12 used: 0.50).
    const [late] = await meter(t, '2026-12-16T01:00:00.000Z', [{ occurredAt: '2026-12-14T00:00:00.000Z' }]);
    expect([late?.ratedAmount, late?.periodStart, late?.billedPeriodStart, late?.late]).toEqual([
      '0.50',
      '2026-12-01T00:00:00.000Z',
      '2026-12-15T00:00:00.000Z',
      true,
    ]);
    const closedNext = await closeBillingPeriod({
      billingPeriodId: second.billingPeriodId,
      at: '2027-01-15T00:00:00.000Z',
    });
    expect(await invoiceLines(closedNext.invoiceId)).toEqual([
      { kind: 'usage', description: 'task.done (1 event)', quantity: '2', unitAmount: '1', amount: '2' },
      {
        kind: 'usage',
        description: 'Late usage, 1 Dec 2026 – 14 Dec 2026: task.done (1 event)',
        quantity: '1',
        unitAmount: '0.5',
        amount: '0.5',
      },
    ]);
    expect(await periodRows(t.entityId)).toEqual([
      { start: '2026-12-01T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z', status: 'closed' },
      { start: '2026-12-15T00:00:00.000Z', end: '2027-01-15T00:00:00.000Z', status: 'closed' },
    ]);
    await expectNoViolations(t);
  });

  it('after the boundary has passed, applies from the next period and leaves the ended one as it is', async () => {
    const t = await tenantWithPrices();
    const cycle = createBillingCycleActivities(ctx.db);
    const first = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2026-12-07T09:00:00.000Z',
      workflowId: workflowId(t),
    });
    const changed = await cycle.changeBillingAnchor({
      entityId: t.entityId,
      billingPeriodId: first.billingPeriodId,
      anchorDay: 20,
      at: '2027-01-01T00:00:05.000Z',
    });
    expect(changed.periodEnd).toBe('2027-01-01T00:00:00.000Z');
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    await closeBillingPeriod({ billingPeriodId: first.billingPeriodId, at: '2027-01-01T00:00:00.000Z' });
    const next = await cycle.openNextBillingPeriod({
      entityId: t.entityId,
      at: '2027-01-01T00:00:05.000Z',
      workflowId: workflowId(t),
    });
    expect([next.periodStart, next.periodEnd]).toEqual(['2027-01-01T00:00:00.000Z', '2027-01-20T00:00:00.000Z']);
  });
});

describe('re-rating', () => {
  it('with unchanged prices changes nothing, also for events that arrived out of order', async () => {
    const t = await tenantWithPrices();
    // Arrival order: 8 units that occurred on the 5th, then 4 that occurred on the 2nd (rated at position 8).
    const rated = await meter(t, '2026-12-07T09:00:00.000Z', [
      { occurredAt: '2026-12-05T00:00:00.000Z', quantity: 8 },
      { occurredAt: '2026-12-02T00:00:00.000Z', quantity: 4 },
    ]);
    expect(rated.map((o) => o.ratedAmount)).toEqual(['8.00', '3.00']);
    const replay = createEventReplayActivities(ctx.db);
    const range = {
      jobId: randomUUID(),
      entityId: t.entityId,
      from: '2026-12-01T00:00:00Z',
      to: '2027-01-01T00:00:00Z',
    };
    const progress = await replay.startEventReplay(range);
    const chunk = await replay.reRateEventChunk({ ...range, after: null, limit: 100, progress });
    expect(chunk.progress).toMatchObject({ processed: 2, adjustments: 0, adjustedAmount: '0.00' });
  });
});

describe('a subscription renewal and the period close at the same boundary', () => {
  it('never fail each other with serialization errors, and the renewal fee is billed exactly once', async () => {
    const cycle = createBillingCycleActivities(ctx.db);
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    const lifecycle = createSubscriptionLifecycleActivities(ctx.db);
    const boundary = '2027-01-01T00:00:00.000Z';
    const runs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const t = await tenantWithPrices();
        const plan = await createSeatPlan(ctx.db, t.organizationId, { pricePerSeat: '10' });
        const sub = await createBilledSubscription(ctx.db, {
          entityId: t.entityId,
          planId: plan.id,
          seats: 3,
          periodStart: new Date('2026-12-01T00:00:00Z'),
          periodEnd: new Date(boundary),
        });
        const period = await cycle.openNextBillingPeriod({
          entityId: t.entityId,
          at: '2026-12-07T09:00:00.000Z',
          workflowId: workflowId(t),
        });
        return { t, sub, period };
      }),
    );
    // Each entity's renewal and close at once; any serialization failure would reject (no retry here).
    await Promise.all(
      runs.flatMap(({ sub, period }) => [
        lifecycle.syncSubscription({ subscriptionId: sub.id, at: boundary }),
        closeBillingPeriod({ billingPeriodId: period.billingPeriodId, at: boundary }),
      ]),
    );
    for (const { t, sub } of runs) {
      const fees = await ctx.db.invoiceItem.findMany({ where: { subscriptionId: sub.id, kind: 'subscription_fee' } });
      expect(fees.map((f) => [f.amount.toString(), f.periodStart?.toISOString()])).toEqual([['30', boundary]]);
      const invoice = await ctx.db.invoice.findFirstOrThrow({ where: { entityId: t.entityId } });
      // Whichever ran first, the fee of the period beginning at the boundary is on the closing period's invoice.
      expect([fees[0]?.invoiceId, invoice.total.toString()]).toEqual([invoice.id, '30']);
    }
  });
});
