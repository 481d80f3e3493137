// A downgrade's credit under the organization's `refund` policy, against each provider: the upgrade's own invoice is
// charged and paid, the later downgrade refunds its credit in cash against it (a credit note) instead of reducing the
// next invoice, and what that invoice cannot take stays a credit. Under carry_forward (the default) nothing is refunded.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../activities/invariants/checkInvariants.js';
import { periodContaining } from '../../domain/index.js';
import { awaitCreatedUpdate, changeSeatsUpdate, subscriptionWorkflow } from '../../workflows/subscriptionWorkflow.js';
import { createTenant } from '../support/factories.js';
import { type ProviderUnderTest, providersUnderTest } from '../support/paymentProviders.js';
import { createSeatPlan, eventually } from '../support/workflowFactories.js';
import {
  recordHistory,
  skipTo,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from '../support/workflowTesting.js';

const DAY = 86_400_000;

describe.each(providersUnderTest)('downgrade credit refunded in cash: %s', (name, start) => {
  let p: ProviderUnderTest;
  let h: TimeSkippingHarness;
  beforeAll(async () => {
    p = await start();
    h = await startTimeSkippingHarness(`downgrade-${name}`, { paymentProvider: p.provider });
  });
  afterAll(async () => {
    await h?.stop();
    await p?.stop();
  });

  async function subscribed(policy: 'refund' | 'carry_forward') {
    const { db, env } = h;
    const tenant = await createTenant(db, { timeZone: 'UTC', billingAnchorDay: 1 });
    await db.organization.update({ where: { id: tenant.organizationId }, data: { downgradeCreditPolicy: policy } });
    await db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: p.methods.ok } });
    const plan = await createSeatPlan(db, tenant.organizationId, { name: 'Pro', pricePerSeat: '10' });
    const schedule = { anchorDay: 1, timeZone: 'UTC', interval: 'month' as const };
    const next = periodContaining(periodContaining(new Date(await env.currentTimeMs()), schedule).end, schedule);
    await skipTo(env, next.start.getTime() + 10 * DAY);
    const subscriptionId = crypto.randomUUID();
    const op = new WithStartWorkflowOperation(subscriptionWorkflow, {
      workflowId: `subscription:${subscriptionId}`,
      taskQueue: h.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [
        {
          subscriptionId,
          organizationId: tenant.organizationId,
          entityId: tenant.entityId,
          create: { planId: plan.id, seats: 5 },
        },
      ],
    });
    await env.client.workflow.executeUpdateWithStart(awaitCreatedUpdate, { startWorkflowOperation: op });
    const handle = await op.workflowHandle();
    // +3 seats: a charge_now invoice of its own, collected at once.
    const up = await handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 8 }], updateId: 'up' });
    expect(up.settlement).toBe('charge_now');
    const upInvoice = up.invoice!;
    await eventually(async () =>
      (await db.invoice.findUniqueOrThrow({ where: { id: upInvoice.invoiceId } })).status === 'paid' ? true : undefined,
    );
    return { tenant, handle, subscriptionId, upInvoice };
  }

  it('refund policy: the credit is refunded against the paid upgrade invoice, with a credit note', async () => {
    const { db } = h;
    const s = await subscribed('refund');
    await skipTo(h.env, (await h.env.currentTimeMs()) + 5 * DAY);
    // -2 seats: less than the upgrade invoice took, all of it refunded.
    const down = await s.handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 6 }], updateId: 'down' });
    expect(down.settlement).toBe('credit_next_invoice');
    expect(down.refundIds).toHaveLength(1);
    const credit = down.net.replace('-', '');
    const refund = await db.refund.findUniqueOrThrow({
      where: { id: down.refundIds![0]! },
      include: { creditNote: true },
    });
    expect([refund.kind, refund.status, refund.invoiceId, refund.amount.toFixed(2), refund.provider]).toEqual([
      'downgrade_credit',
      'succeeded',
      s.upInvoice.invoiceId,
      credit,
      name,
    ]);
    expect([refund.creditNote?.number, refund.creditNote?.amount.toFixed(2), refund.creditNote?.reason]).toEqual([
      1,
      credit,
      'downgrade_credit',
    ]);
    expect(
      (await db.invoice.findUniqueOrThrow({ where: { id: s.upInvoice.invoiceId } })).amountRefunded.toFixed(2),
    ).toBe(credit);
    // The next invoice gets the proration lines and the refunded credit back: they net to nothing.
    const pending = await db.invoiceItem.findMany({
      where: {
        entityId: s.tenant.entityId,
        invoiceId: null,
        subscriptionId: s.subscriptionId,
        kind: { in: ['proration', 'adjustment'] },
      },
    });
    const net = pending.reduce((sum, i) => sum + Math.round(Number(i.amount) * 100), 0);
    expect(net).toBe(0);
    expect(pending.filter((i) => i.kind === 'adjustment').map((i) => i.amount.toFixed(2))).toEqual([credit]);
    // A retried Update (same id) refunds nothing more.
    const again = await s.handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 6 }], updateId: 'down' });
    expect(again.refundIds).toEqual(down.refundIds);
    expect(await db.refund.count({ where: { entityId: s.tenant.entityId } })).toBe(1);
    if (p.stripe) {
      const sent = p.stripe.requests.filter(
        (r) => r.path === '/v1/refunds' && r.idempotencyKey === `refund:${refund.id}`,
      );
      expect(sent.map((r) => r.params.get('amount'))).toEqual([String(Math.round(Number(credit) * 100))]);
    }
    expect((await checkInvariants(db, { organizationId: s.tenant.organizationId })).violations).toEqual([]);
    if (name === 'sandbox') await recordHistory(h.env, s.handle.workflowId, 'subscriptionWorkflow-downgradeRefund');
  }, 120_000);

  it('refund policy: a credit larger than what was paid is refunded up to it, the rest carried forward', async () => {
    const { db } = h;
    const s = await subscribed('refund');
    const paid = (await db.invoice.findUniqueOrThrow({ where: { id: s.upInvoice.invoiceId } })).amountPaid.toFixed(2);
    const down = await s.handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 1 }], updateId: 'down' });
    const refund = await db.refund.findUniqueOrThrow({ where: { id: down.refundIds![0]! } });
    expect(refund.amount.toFixed(2)).toBe(paid);
    const adjustment = await db.invoiceItem.findUniqueOrThrow({
      where: { idempotencyKey: `downgrade-refunded:${s.subscriptionId}:down` },
    });
    expect(adjustment.amount.toFixed(2)).toBe(paid);
    expect(Number(down.net) + Number(paid)).toBeLessThan(0);
  }, 120_000);

  it('carry_forward policy (the default): nothing refunded, the credit reduces the next invoice', async () => {
    const { db } = h;
    const s = await subscribed('carry_forward');
    const down = await s.handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 6 }], updateId: 'down' });
    expect(down.refundIds).toBeUndefined();
    expect(await db.refund.count({ where: { entityId: s.tenant.entityId } })).toBe(0);
  }, 120_000);
});
