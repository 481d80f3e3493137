// The billing cycle over simulated months on the time-skipping server: one consolidated invoice per period with
// exact lines (seat fees in advance, usage in arrears, prepaid credits applied), numbered sequentially, collected.
import { describe, expect, it } from 'vitest';
import { describePeriod, monthlySchedule, periodContaining } from '../../domain/index.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import { billingStateQuery, entityBillingWorkflow } from '../../workflows/entityBillingWorkflow.js';
import { createTenant, type TestTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import {
  createBilledSubscription,
  createMember,
  createRatedEvent,
  createSeatPlan,
  eventually,
} from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const h = workflowTestContext('cycle');

async function periodsOf(entityId: string, count: number) {
  return eventually(async () => {
    const rows = await h.db.billingPeriod.findMany({ where: { entityId }, orderBy: { periodStart: 'asc' } });
    return rows.length >= count ? rows : undefined;
  });
}

const lineView = (l: {
  kind: string;
  description: string;
  quantity: { toString(): string };
  amount: { toString(): string };
}) => ({
  kind: l.kind,
  description: l.description,
  quantity: l.quantity.toString(),
  amount: l.amount.toString(),
});

/**
 * A subscription of `seats` seats billed for the entity's current period (its schedule: anchor day and time zone
 * as created), then the entity's billing cycle started.
 */
async function startCycleWithSubscription(tenant: TestTenant, planId: string, seats: number) {
  const { db, env } = h;
  const entity = await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
  const p0 = periodContaining(new Date(await env.currentTimeMs()), monthlySchedule(entity));
  await createBilledSubscription(db, {
    entityId: tenant.entityId,
    planId,
    seats,
    periodStart: p0.start,
    periodEnd: p0.end,
  });
  return env.client.workflow.start(entityBillingWorkflow, {
    workflowId: billingWorkflowId(tenant.entityId),
    taskQueue: h.taskQueue,
    args: [{ entityId: tenant.entityId, organizationId: tenant.organizationId }],
  });
}

describe('entityBillingWorkflow: a year of monthly cycles', () => {
  it('closes 12 periods into 12 invoices with exact lines, numbered 1..12, all collected', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db, { timeZone: 'UTC', billingAnchorDay: 1 });
    const plan = await createSeatPlan(db, tenant.organizationId, { name: 'Pro', pricePerSeat: '10' });
    const member = await createMember(db, tenant.entityId);
    const schedule = { anchorDay: 1, timeZone: 'UTC', interval: 'month' as const };
    const handle = await startCycleWithSubscription(tenant, plan.id, 3);

    for (let i = 0; i < 12; i++) {
      const period = (await periodsOf(tenant.entityId, i + 1))[i]!;
      await eventually(async () => (await handle.query(billingStateQuery)).billingPeriodId === period.id);
      const common = { entityId: tenant.entityId, userId: member.userId, periodStart: period.periodStart };
      const occurredAt = new Date(period.periodStart.getTime() + 3_600_000);
      // Fully paid by credits, half paid by credits (the other half billed later), and one free-standing type.
      await createRatedEvent(db, {
        ...common,
        occurredAt,
        eventType: 'project.posted',
        ratedAmount: '5',
        creditsDrawn: '5',
      });
      await createRatedEvent(db, {
        ...common,
        occurredAt,
        eventType: 'project.posted',
        ratedAmount: '2.5',
        creditsDrawn: '1.25',
        billedLater: '1.25',
      });
      if (i % 3 === 0) {
        await createRatedEvent(db, {
          ...common,
          occurredAt,
          eventType: 'freelancer.hired',
          quantity: '2',
          ratedAmount: '40.004',
          billedLater: '40.004',
        });
      }
      await skipTo(env, period.periodEnd.getTime() + 1_000);
      const invoice = await eventually(() =>
        db.invoice.findFirst({
          // The close writes the invoice as a draft and numbers it right after: wait for the finalized invoice.
          where: { entityId: tenant.entityId, periodStart: period.periodStart, number: { not: null } },
          include: { lines: { orderBy: { position: 'asc' } }, items: true },
        }),
      );
      const next = { start: period.periodEnd, end: periodContaining(period.periodEnd, schedule).end };
      const hired = i % 3 === 0;
      expect(invoice.number).toBe(i + 1);
      expect(invoice.lines.map(lineView)).toEqual([
        {
          kind: 'subscription_fee',
          description: `3 × Pro (monthly), ${describePeriod(next, 'UTC')}`,
          quantity: '3',
          amount: '30',
        },
        ...(hired ? [{ kind: 'usage', description: 'freelancer.hired (1 event)', quantity: '2', amount: '40' }] : []),
        { kind: 'usage', description: 'project.posted (2 events)', quantity: '2', amount: '7.5' },
        { kind: 'credits_applied', description: 'Prepaid credits applied to usage', quantity: '1', amount: '-6.25' },
      ]);
      expect(invoice.subtotal.toString()).toBe(hired ? '77.5' : '37.5');
      expect(invoice.creditsApplied.toString()).toBe('6.25');
      expect(invoice.total.toString()).toBe(hired ? '71.25' : '31.25');
      expect(invoice.amountDue.toString()).toBe(hired ? '71.25' : '31.25');
      // The fee item and the billed-later usage items are attached to the invoice, not left pending.
      expect(invoice.items.map((it) => it.kind).sort()).toEqual(
        hired ? ['subscription_fee', 'usage', 'usage'] : ['subscription_fee', 'usage'],
      );
    }

    expect(await db.invoice.count({ where: { entityId: tenant.entityId } })).toBe(12);
    // The fee of the period after the last close was billed in advance on the 12th invoice: nothing is pending.
    expect(await db.invoiceItem.count({ where: { entityId: tenant.entityId, invoiceId: null } })).toBe(0);
    const paid = await eventually(async () => {
      const n = await db.invoice.count({ where: { entityId: tenant.entityId, status: 'paid' } });
      return n === 12 ? n : undefined;
    });
    expect(paid).toBe(12);
    await recordHistory(
      env,
      `invoice:${(await db.invoice.findFirstOrThrow({ where: { entityId: tenant.entityId, number: 12 } })).id}`,
      'invoiceCollectionWorkflow-paid',
    );
    const periods = await db.billingPeriod.findMany({
      where: { entityId: tenant.entityId },
      orderBy: { periodStart: 'asc' },
    });
    for (let i = 1; i < periods.length; i++) expect(periods[i]!.periodStart).toEqual(periods[i - 1]!.periodEnd);
    await recordHistory(env, handle.workflowId, 'entityBillingWorkflow-close', { previousRun: true });
    await handle.terminate('test done');
  }, 240_000);

  it('anchor 31 bills on the last day of February and returns to the 31st in March', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db, { timeZone: 'America/New_York', billingAnchorDay: 31 });
    const plan = await createSeatPlan(db, tenant.organizationId, { name: 'Team', pricePerSeat: '7' });
    const handle = await startCycleWithSubscription(tenant, plan.id, 2);
    const local = (d: Date) =>
      new Intl.DateTimeFormat('en-CA', {
        timeZone: 'America/New_York',
        dateStyle: 'short',
        timeStyle: 'short',
        hourCycle: 'h23',
      }).format(d);
    // Walk until a period starting in March has been opened.
    for (let i = 0; i < 8; i++) {
      const period = (await periodsOf(tenant.entityId, i + 1))[i]!;
      if (local(period.periodStart).includes('-03-')) break;
      await skipTo(env, period.periodEnd.getTime() + 1_000);
    }
    const periods = await h.db.billingPeriod.findMany({
      where: { entityId: tenant.entityId },
      orderBy: { periodStart: 'asc' },
    });
    const starts = periods.map((p) => local(p.periodStart));
    const feb = starts.findIndex((s) => s.includes('-02-'));
    expect(starts[feb]).toMatch(/^\d{4}-02-(28|29), 00:00$/);
    expect(starts[feb - 1]).toMatch(/^\d{4}-01-31, 00:00$/);
    expect(starts[feb + 1]).toMatch(/^\d{4}-03-31, 00:00$/);
    const febInvoice = await h.db.invoice.findFirstOrThrow({
      where: { entityId: tenant.entityId, periodStart: periods[feb - 1]!.periodStart },
      include: { lines: true },
    });
    // Closed at the February boundary: the in-advance fee covers 28 Feb – 30 Mar (local).
    expect(febInvoice.lines[0]!.description).toMatch(/^2 × Team \(monthly\), 2[89] Feb \d{4} – 30 Mar \d{4}$/);
    expect(febInvoice.lines[0]!.amount.toString()).toBe('14');
    expect(await h.db.invoice.count({ where: { entityId: tenant.entityId } })).toBe(periods.length - 1);
    await handle.terminate('test done');
  }, 120_000);
});
