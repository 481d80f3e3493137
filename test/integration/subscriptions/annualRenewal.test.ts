// An annual subscription started mid-period on an anchor-1 entity, across its renewal, through the real activities
// (create, the entity's period closes, the subscription workflow's sync) and a real database: the first, prorated
// fee covers exactly [start, 1 Dec 2027), the renewal exactly [1 Dec 2027, 1 Dec 2028), and no second of service is
// billed twice or not at all. The arithmetic is done by hand in the comments.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCloseBillingPeriodActivities } from '../../../activities/invoicing/closeBillingPeriod.js';
import { createSubscriptionLifecycleActivities } from '../../../activities/subscriptions/subscriptionLifecycle.js';
import { createTenant } from '../../support/factories.js';
import { dbTestContext } from '../../support/testContext.js';
import { createSeatPlan } from '../../support/workflowFactories.js';

const ctx = dbTestContext();

const DAY_S = 86_400;
const iso = (s: string) => new Date(s).toISOString();

/** Closes the entity's period [start, end) at its end, as the billing workflow does. */
async function closePeriod(entityId: string, start: string, end: string) {
  const period = await ctx.db.billingPeriod.create({
    data: { entityId, periodStart: new Date(start), periodEnd: new Date(end), workflowId: `billing:${entityId}` },
  });
  const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
  return closeBillingPeriod({ billingPeriodId: period.id, at: end });
}

const feeItems = (subscriptionId: string) =>
  ctx.db.invoiceItem.findMany({ where: { subscriptionId, kind: 'subscription_fee' }, orderBy: { periodStart: 'asc' } });

describe('annual subscription on an anchor-1 entity started 7 Dec 2026', () => {
  it('bills [7 Dec 2026, 1 Dec 2027) then [1 Dec 2027, 1 Dec 2028): no overlap, no gap', async () => {
    const tenant = await createTenant(ctx.db, { timeZone: 'UTC', billingAnchorDay: 1 });
    const plan = await createSeatPlan(ctx.db, tenant.organizationId, {
      name: 'Team',
      interval: 'year',
      pricePerSeat: '120.00',
    });
    const subs = createSubscriptionLifecycleActivities(ctx.db);
    const subscriptionId = randomUUID();
    const created = await subs.createSubscription({
      subscriptionId,
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      planId: plan.id,
      seats: 2,
      at: '2026-12-07T00:00:00.000Z',
    });
    // The annual period starts on the anchor day of the month the subscription began in.
    expect([created.currentPeriodStart, created.currentPeriodEnd]).toEqual([
      iso('2026-12-01T00:00:00Z'),
      iso('2027-12-01T00:00:00Z'),
    ]);

    // Period 1 Dec 2026 – 1 Dec 2027: 365 days (Feb 2027 has 28) = 31,536,000 s.
    // Service 7 Dec 2026 00:00 – 1 Dec 2027 00:00: 25 days of Dec (7..31) + 334 days (Jan..Nov 2027) = 359 days
    //   = 31,017,600 s.
    // Fee: 2 seats × 120.00 × 31,017,600 / 31,536,000 = 240 × 359 / 365 = 236.0547945... -> 236.05 (half-even).
    const [first] = await feeItems(subscriptionId);
    expect(first!.amount.toString()).toBe('236.05');
    expect(first!.unitAmount?.toString()).toBe('120');
    expect([first!.periodStart?.toISOString(), first!.periodEnd?.toISOString()]).toEqual([
      iso('2026-12-07T00:00:00Z'),
      iso('2027-12-01T00:00:00Z'),
    ]);
    expect(first!.description).toBe('2 × Team (yearly), 7 Dec 2026 – 30 Nov 2027 (partial period)');
    expect(first!.metadata).toMatchObject({
      fraction: { value: '0.983562', seconds: 359 * DAY_S, periodSeconds: 365 * DAY_S },
    });

    // The December 2026 close bills the first fee; no renewal yet (the annual period runs to 1 Dec 2027).
    const dec = await closePeriod(tenant.entityId, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z');
    expect(dec.total).toBe('236.05');
    expect(await feeItems(subscriptionId)).toHaveLength(1);

    // The November 2027 close, at the renewal boundary 1 Dec 2027 00:00, renews the subscription and bills the next
    // year in advance: 1 Dec 2027 – 1 Dec 2028 is 366 days (29 Feb 2028) = 31,622,400 s, the whole period, so the
    // full fee 2 × 120.00 = 240.00, not prorated.
    const nov = await closePeriod(tenant.entityId, '2027-11-01T00:00:00Z', '2027-12-01T00:00:00Z');
    expect(nov.total).toBe('240.00');
    // The subscription workflow's timer fires at the same boundary: it finds the renewal done and writes nothing.
    const synced = await subs.syncSubscription({ subscriptionId, at: '2027-12-01T00:00:00.000Z' });
    expect([synced?.currentPeriodStart, synced?.currentPeriodEnd]).toEqual([
      iso('2027-12-01T00:00:00Z'),
      iso('2028-12-01T00:00:00Z'),
    ]);
    const [, renewal, ...more] = await feeItems(subscriptionId);
    expect(more).toEqual([]);
    expect(renewal!.amount.toString()).toBe('240');
    expect(renewal!.description).toBe('2 × Team (yearly), 1 Dec 2027 – 30 Nov 2028');
    expect(renewal!.invoiceId).toBe(nov.invoiceId);

    // Coverage: the first fee ends exactly where the renewal starts, and together they bill every second of
    // [7 Dec 2026, 1 Dec 2028) once: 359 + 366 = 725 days.
    expect(first!.periodEnd!.getTime()).toBe(renewal!.periodStart!.getTime());
    const billedSeconds = [first!, renewal!].reduce(
      (s, i) => s + (i.periodEnd!.getTime() - i.periodStart!.getTime()) / 1000,
      0,
    );
    expect(billedSeconds).toBe(725 * DAY_S);
    expect(renewal!.periodEnd!.toISOString()).toBe(iso('2028-12-01T00:00:00Z'));
  });

  it('a start at 09:30:15.250 in Berlin bills from that second to the renewal, to the second', async () => {
    const tenant = await createTenant(ctx.db, { timeZone: 'Europe/Berlin', billingAnchorDay: 1 });
    const plan = await createSeatPlan(ctx.db, tenant.organizationId, {
      name: 'Team',
      interval: 'year',
      pricePerSeat: '120.00',
    });
    const subs = createSubscriptionLifecycleActivities(ctx.db);
    const subscriptionId = randomUUID();
    // 7 Dec 2026 09:30:15.250 CET = 08:30:15.250Z.
    await subs.createSubscription({
      subscriptionId,
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      planId: plan.id,
      seats: 2,
      at: '2026-12-07T08:30:15.250Z',
    });
    // Period: 1 Dec 2026 00:00 CET (30 Nov 23:00Z) – 1 Dec 2027 00:00 CET (30 Nov 2027 23:00Z): 365 days
    //   = 31,536,000 s (both ends in winter time).
    // Service: from 08:30:15Z (the 250 ms are within the second, which counts as remaining) to 30 Nov 2027 23:00Z:
    //   358 days to 30 Nov 2027 08:30:15Z + 14 h 29 min 45 s (52,185 s) = 30,931,200 + 52,185 = 30,983,385 s.
    // Fee: 240 × 30,983,385 / 31,536,000 = 235.794406... -> 235.79.
    const [first] = await feeItems(subscriptionId);
    expect(first!.amount.toString()).toBe('235.79');
    expect(first!.metadata).toMatchObject({ fraction: { seconds: 30_983_385, periodSeconds: 31_536_000 } });
    expect(first!.description).toBe('2 × Team (yearly), 7 Dec 2026 09:30:15 – 30 Nov 2027 (partial period)');

    const synced = await subs.syncSubscription({ subscriptionId, at: '2027-11-30T23:00:00.000Z' });
    expect(synced?.currentPeriodStart).toBe(iso('2027-11-30T23:00:00Z'));
    const [, renewal] = await feeItems(subscriptionId);
    // 1 Dec 2027 – 1 Dec 2028 in Berlin, whole: 240.00.
    expect(renewal!.amount.toString()).toBe('240');
    expect(renewal!.periodStart!.getTime()).toBe(first!.periodEnd!.getTime());
    expect(renewal!.periodEnd!.toISOString()).toBe(iso('2028-11-30T23:00:00Z'));
  });
});
