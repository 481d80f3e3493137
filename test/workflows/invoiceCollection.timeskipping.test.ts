// Dunning on the time-skipping server: a declined card is retried 1, 3 and 7 days after the first attempt, then the
// invoice is past due and the entity suspended; a later successful payment reactivates it. Webhooks at each step.
import { describe, expect, it } from 'vitest';
import {
  collectionStateQuery,
  invoiceCollectionWorkflow,
  retryPaymentSignal,
} from '../../workflows/invoiceCollectionWorkflow.js';
import { createTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import { payloadProblems } from '../support/webhookPayloads.js';
import { createOpenInvoice, eventually } from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const h = workflowTestContext('collection');

const DAY = 86_400_000;

describe('invoiceCollectionWorkflow', () => {
  it('declined card: dunning at +1, +3, +7 days, past due and suspension, then payment reactivates', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db);
    await db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: 'pm_card_declined' } });
    await db.entitySubscription.create({
      data: {
        id: crypto.randomUUID(),
        entityId: tenant.entityId,
        planId: (
          await db.seatPlan.create({
            data: {
              organizationId: tenant.organizationId,
              name: 'Pro',
              interval: 'month',
              pricePerSeat: '49',
              currency: 'USD',
            },
          })
        ).id,
        seats: 1,
        currentPeriodStart: new Date('2026-11-01T00:00:00Z'),
        currentPeriodEnd: new Date('2099-12-01T00:00:00Z'),
        workflowId: `subscription:${crypto.randomUUID()}`,
      },
    });
    const invoice = await createOpenInvoice(db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      amount: '49',
      periodStart: new Date('2026-10-01T00:00:00Z'),
      periodEnd: new Date('2026-11-01T00:00:00Z'),
    });
    const t0 = await env.currentTimeMs();
    const handle = await env.client.workflow.start(invoiceCollectionWorkflow, {
      workflowId: `invoice:${invoice.id}`,
      taskQueue: h.taskQueue,
      args: [{ invoiceId: invoice.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
    });
    const attempts = () =>
      db.paymentAttempt.findMany({ where: { payment: { invoiceId: invoice.id } }, orderBy: { attemptNumber: 'asc' } });
    await eventually(async () => ((await attempts()).length === 1 ? true : undefined));
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined));

    await skipTo(env, t0 + DAY + 60_000);
    await eventually(async () => ((await attempts()).length === 2 ? true : undefined));
    await skipTo(env, t0 + 3 * DAY + 60_000);
    await eventually(async () => ((await attempts()).length === 3 ? true : undefined));
    expect((await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } })).status).toBe('active');
    await skipTo(env, t0 + 7 * DAY + 60_000);
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'past_due' ? true : undefined));

    const rows = await attempts();
    expect(rows.map((a) => [a.attemptNumber, a.status, a.errorCode])).toEqual([
      [1, 'failed', 'card_declined'],
      [2, 'failed', 'card_declined'],
      [3, 'failed', 'card_declined'],
      [4, 'failed', 'card_declined'],
    ]);
    const suspended = await eventually(async () => {
      const e = await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
      return e.status === 'suspended' ? e : undefined;
    });
    expect(suspended.suspendedAt).not.toBeNull();
    expect((await db.entitySubscription.findFirstOrThrow({ where: { entityId: tenant.entityId } })).status).toBe(
      'past_due',
    );
    expect((await db.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).status).toBe('open');

    // The customer adds a working card; the retry succeeds and the entity is active again.
    await handle.signal(retryPaymentSignal, { paymentMethod: 'pm_card_ok' });
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'paid', attempts: 5 });
    const paid = await db.invoice.findUniqueOrThrow({ where: { id: invoice.id } });
    expect(paid.status).toBe('paid');
    expect(paid.amountPaid.toString()).toBe('49');
    const entity = await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
    expect(entity.status).toBe('active');
    expect(entity.suspendedAt).toBeNull();
    expect((await db.entitySubscription.findFirstOrThrow({ where: { entityId: tenant.entityId } })).status).toBe(
      'active',
    );
    const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: invoice.id } });
    expect([payment.status, payment.attemptCount, payment.paymentMethod]).toEqual(['succeeded', 5, 'pm_card_ok']);

    const events = await db.webhookEvent.findMany({
      where: { entityId: tenant.entityId },
      orderBy: { createdAt: 'asc' },
    });
    // Rows written in one transaction have no order among them: compared sorted.
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        'invoice.payment_failed',
        'invoice.payment_failed',
        'invoice.payment_failed',
        'invoice.payment_failed',
        'payment.failed',
        'invoice.past_due',
        'entity.suspended',
        'subscription.past_due',
        'payment.succeeded',
        'invoice.paid',
        'entity.reactivated',
        'subscription.reactivated',
      ].sort(),
    );
    // Every payload is what the event catalog documents (money to the cent: "49.00").
    expect(events.flatMap((e) => payloadProblems(e.type, e.payload))).toEqual([]);
    const payloadOf = (type: string) => events.find((e) => e.type === type)?.payload;
    expect(payloadOf('payment.failed')).toMatchObject({ status: 'failed', attempt: 4, errorCode: 'card_declined' });
    expect(payloadOf('payment.succeeded')).toMatchObject({ status: 'succeeded', attempt: 5, purpose: 'invoice' });
    expect(payloadOf('subscription.past_due')).toMatchObject({
      status: 'past_due',
      previous: { status: 'active' },
      reason: 'invoice_past_due',
      invoiceId: invoice.id,
    });
    expect(payloadOf('subscription.reactivated')).toMatchObject({
      status: 'active',
      previous: { status: 'past_due' },
      reason: 'invoice_paid',
    });
    // The first failure announces the next attempt one day later; the last one none.
    const failed = events
      .filter((e) => e.type === 'invoice.payment_failed')
      .map((e) => e.payload as { nextAttemptAt: string | null });
    expect(Date.parse(failed[0]!.nextAttemptAt!) - t0).toBeGreaterThanOrEqual(DAY - 5_000);
    expect(Date.parse(failed[0]!.nextAttemptAt!) - t0).toBeLessThanOrEqual(DAY + 5_000);
    expect(failed[3]!.nextAttemptAt).toBeNull();
    // Every outbox row was handed to delivery.
    expect(events.every((e) => e.dispatchedAt !== null)).toBe(true);
    await recordHistory(env, handle.workflowId, 'invoiceCollectionWorkflow-dunning');
  }, 120_000);

  it('pm_card_fail_then_ok pays on the first dunning retry; a timeout is retried with the same key and pays', async () => {
    const { db, env } = h;
    for (const [method, expected] of [
      [
        'pm_card_fail_then_ok',
        [
          [1, 'failed', 'card_declined', 'payment:<invoice>:1'],
          [2, 'succeeded', null, 'payment:<invoice>:2'],
        ],
      ],
      // The first call times out (outcome unknown): the attempt stays pending and the activity's retry sends the same
      // key again, which the provider answers; never a second attempt with a new key.
      ['pm_card_timeout', [[1, 'succeeded', null, 'payment:<invoice>:1']]],
    ] as const) {
      const tenant = await createTenant(db);
      await db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: method } });
      const invoice = await createOpenInvoice(db, {
        organizationId: tenant.organizationId,
        entityId: tenant.entityId,
        amount: '12.5',
        periodStart: new Date('2026-10-01T00:00:00Z'),
        periodEnd: new Date('2026-11-01T00:00:00Z'),
      });
      const t0 = await env.currentTimeMs();
      const handle = await env.client.workflow.start(invoiceCollectionWorkflow, {
        workflowId: `invoice:${invoice.id}`,
        taskQueue: h.taskQueue,
        args: [{ invoiceId: invoice.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
      });
      await eventually(async () =>
        (await db.paymentAttempt.count({ where: { payment: { invoiceId: invoice.id } } })) >= 1 ? true : undefined,
      );
      if (method === 'pm_card_fail_then_ok') {
        await skipTo(env, t0 + DAY + 60_000);
        expect(await handle.result()).toMatchObject({ status: 'paid', attempts: 2 });
      } else {
        expect(await handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
      }
      const rows = await db.paymentAttempt.findMany({
        where: { payment: { invoiceId: invoice.id } },
        orderBy: { attemptNumber: 'asc' },
      });
      expect(
        rows.map((a) => [a.attemptNumber, a.status, a.errorCode, a.idempotencyKey?.replace(invoice.id, '<invoice>')]),
      ).toEqual(expected);
    }
  }, 60_000);
});
