// A charge_now subscription change gets its own invoice (activities/subscriptions/chargeNowInvoice.ts), against the
// real database: the same change applied twice at once makes one invoice with one number; a change at the very start
// of a period has a one-off invoice starting where that period's invoice starts, and both exist; the period close
// does not bill the change again; the invariants hold.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { createCloseBillingPeriodActivities } from '../../../activities/invoicing/closeBillingPeriod.js';
import { createSubscriptionLifecycleActivities } from '../../../activities/subscriptions/subscriptionLifecycle.js';
import { createTenant } from '../../support/factories.js';
import { dbTestContext } from '../../support/testContext.js';
import { createSeatPlan } from '../../support/workflowFactories.js';

const ctx = dbTestContext(6);

async function closePeriod(entityId: string, start: string, end: string) {
  const period = await ctx.db.billingPeriod.create({
    data: { entityId, periodStart: new Date(start), periodEnd: new Date(end), workflowId: `billing:${entityId}` },
  });
  return createCloseBillingPeriodActivities(ctx.db).closeBillingPeriod({ billingPeriodId: period.id, at: end });
}

describe('charge_now invoices', () => {
  it('one invoice per change, also at a period boundary next to the period invoice', async () => {
    const tenant = await createTenant(ctx.db, { timeZone: 'UTC', billingAnchorDay: 1 });
    const plan = await createSeatPlan(ctx.db, tenant.organizationId, { name: 'Pro', pricePerSeat: '10.00' });
    const subs = createSubscriptionLifecycleActivities(ctx.db);
    const subscriptionId = randomUUID();
    await subs.createSubscription({
      subscriptionId,
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      planId: plan.id,
      seats: 2,
      at: '2026-02-15T00:00:00.000Z',
    });
    // February's invoice: the first fee 2 × 10 × 14/28 = 10.00, and March's fee in advance, 20.00.
    const feb = await closePeriod(tenant.entityId, '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z');
    expect([feb.invoiceNumber, feb.total]).toEqual([1, '30.00']);

    // 2 -> 4 seats at 1 Mar 00:00, the first second of March, sent twice at once (a retried activity, a repeated
    // Update): the whole month, -20.00 + 40.00 = 20.00, on one invoice numbered 2.
    const change = {
      subscriptionId,
      changeId: 'seats-4',
      at: '2026-03-01T00:00:00.000Z',
      change: { kind: 'seats' as const, seats: 4 },
    };
    const [a, b] = await Promise.all([subs.applySubscriptionChange(change), subs.applySubscriptionChange(change)]);
    expect([a.settlement, a.net]).toEqual(['charge_now', '20.00']);
    expect(a.invoice).toMatchObject({ number: 2, status: 'open', total: '20.00', amountDue: '20.00' });
    expect(b.invoice?.invoiceId).toBe(a.invoice?.invoiceId);
    const oneOff = await ctx.db.invoice.findUniqueOrThrow({ where: { id: a.invoice!.invoiceId } });
    expect([oneOff.kind, oneOff.periodStart.toISOString(), oneOff.periodEnd.toISOString()]).toEqual([
      'one_off',
      '2026-03-01T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
    ]);
    // Announced once.
    const finalized = await ctx.db.webhookEvent.findMany({
      where: { idempotencyKey: `invoice.finalized:${oneOff.id}` },
    });
    expect(finalized.map((e) => e.payload)).toEqual([
      expect.objectContaining({ kind: 'one_off', number: 2, total: '20.00', amountDue: '20.00' }),
    ]);

    // March's period invoice starts where the one-off invoice starts; it bills April's fee (4 × 10.00) and not the
    // change again.
    const mar = await closePeriod(tenant.entityId, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z');
    expect([mar.invoiceNumber, mar.total]).toEqual([3, '40.00']);
    const invoices = await ctx.db.invoice.findMany({
      where: { entityId: tenant.entityId },
      orderBy: { number: 'asc' },
      select: { number: true, kind: true, total: true },
    });
    expect(invoices.map((i) => [i.number, i.kind, i.total.toString()])).toEqual([
      [1, 'period', '30'],
      [2, 'one_off', '20'],
      [3, 'period', '40'],
    ]);
    // "One period invoice per entity and period" still holds in the database.
    await expect(
      ctx.db.invoice.create({
        data: {
          organizationId: tenant.organizationId,
          entityId: tenant.entityId,
          currency: 'USD',
          periodStart: new Date('2026-03-01T00:00:00Z'),
          periodEnd: new Date('2026-04-01T00:00:00Z'),
        },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });

    const report = await checkInvariants(ctx.db, { organizationId: tenant.organizationId, outboxGraceSeconds: 3600 });
    expect(report.violations).toEqual([]);
  });
});
