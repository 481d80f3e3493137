// The payment invariants (activities/invariants/paymentInvariants.ts) find nothing on payments, refunds, credit notes
// and disputes written by the real code paths (a charge through the sandbox, a mark-paid, refunds of both, a dispute),
// and find each kind of corruption when it is planted.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { checkInvariants, type InvariantRule } from '../../../activities/invariants/checkInvariants.js';
import { markInvoicePaidOutOfBand } from '../../../activities/invoiceAdmin/invoiceStatusChanges.js';
import { createInvoiceCollectionActivities } from '../../../activities/payments/invoiceCollection.js';
import { applyProviderEvent } from '../../../activities/payments/providerEvents.js';
import { createSandboxPaymentProvider } from '../../../activities/payments/sandboxPaymentProvider.js';
import { refundInvoice } from '../../../activities/refunds/refundInvoice.js';
import { createTenant } from '../../support/factories.js';
import { testDb } from '../../support/services.js';
import { createOpenInvoice } from '../../support/workflowFactories.js';

let db: Db;
const provider = createSandboxPaymentProvider();
const actor = { actorType: 'api_key' as const, actorId: null };

beforeAll(() => {
  db = testDb(3);
});
afterAll(async () => {
  await db?.$disconnect();
});

/**
 * An organization with a card-paid invoice of 49.00 (10.00 refunded: credit note 1, and disputed) and a wire-paid
 * invoice of 20.00 (refunded in full: credit note 2).
 */
async function paidAndRefunded() {
  const tenant = await createTenant(db);
  const period = (m: number) => ({
    periodStart: new Date(Date.UTC(2026, m, 1)),
    periodEnd: new Date(Date.UTC(2026, m + 1, 1)),
  });
  const card = await createOpenInvoice(db, { ...tenant, amount: '49', ...period(8) });
  const charged = await createInvoiceCollectionActivities(db, provider).chargeInvoice({
    invoiceId: card.id,
    attempt: 1,
    at: new Date().toISOString(),
  });
  expect(charged.status).toBe('succeeded');
  const wire = await createOpenInvoice(db, { ...tenant, amount: '20', ...period(9) });
  await markInvoicePaidOutOfBand(db, actor, tenant.organizationId, wire.id, { method: 'wire_transfer' });
  const partial = await refundInvoice(db, provider, actor, tenant.organizationId, card.id, {
    amount: '10.00',
    idempotencyKey: 'partial',
  });
  const full = await refundInvoice(db, provider, actor, tenant.organizationId, wire.id, { idempotencyKey: 'all' });
  const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: card.id } });
  const disputed = await applyProviderEvent(db, 'sandbox', {
    id: `evt_${randomUUID()}`,
    type: 'charge.dispute.created',
    object: { id: `dp_${randomUUID()}`, charge: payment.providerRef, amount: 4900, reason: 'fraudulent' },
  });
  expect(disputed.outcome).toBe('dispute_opened');
  return { tenant, card, wire, payment, partial: partial.refund, full: full.refund };
}

const check = async (organizationId: string) =>
  (await checkInvariants(db, { organizationId, outboxGraceSeconds: 3600 })).violations;
const rules = (violations: { rule: InvariantRule }[]) => violations.map((v) => v.rule).sort();

describe('payment invariants', () => {
  it('find nothing in payments, refunds, credit notes and disputes written by the real code paths', async () => {
    const s = await paidAndRefunded();
    const notes = await db.creditNote.findMany({ where: { organizationId: s.tenant.organizationId } });
    expect(notes.map((n) => [n.number, n.amount.toFixed(2)]).sort()).toEqual([
      [1, '10.00'],
      [2, '20.00'],
    ]);
    expect((await db.payment.findUniqueOrThrow({ where: { id: s.payment.id } })).disputedAt).not.toBeNull();
    expect(await check(s.tenant.organizationId)).toEqual([]);
  });

  it('invoice_payment: a second succeeded payment of a paid invoice, a payment of another amount, money on a void invoice', async () => {
    const s = await paidAndRefunded();
    await db.payment.create({
      data: {
        invoiceId: s.wire.id,
        entityId: s.tenant.entityId,
        amount: '20',
        currency: 'USD',
        status: 'succeeded',
        provider: 'sandbox',
        idempotencyKey: `payment:${s.wire.id}`,
      },
    });
    let violations = await check(s.tenant.organizationId);
    expect(rules(violations)).toEqual(['invoice_payment']);
    expect(violations[0]!.ids).toEqual([s.wire.id]);
    expect(violations[0]!.detail).toBe('paid invoice due 20, paid 20, with 2 succeeded payment(s) of 20, 20');

    const other = await paidAndRefunded();
    await db.invoice.update({ where: { id: other.card.id }, data: { amountDue: '48', amountPaid: '48' } });
    violations = await check(other.tenant.organizationId);
    expect(rules(violations)).toEqual(['invoice_payment']);
    expect(violations[0]!.detail).toBe('paid invoice due 48, paid 48, with 1 succeeded payment(s) of 49');

    const voided = await paidAndRefunded();
    await db.invoice.update({ where: { id: voided.card.id }, data: { status: 'void' } });
    expect(rules(await check(voided.tenant.organizationId))).toEqual(['invoice_payment']);
  });

  it('payment_attempts: a payment charged twice, and a failed payment with a succeeded attempt', async () => {
    const s = await paidAndRefunded();
    await db.paymentAttempt.create({
      data: {
        paymentId: s.payment.id,
        attemptNumber: 2,
        status: 'succeeded',
        providerRef: 'ch_sandbox_again',
        idempotencyKey: `payment:${s.card.id}:2`,
      },
    });
    const violations = await check(s.tenant.organizationId);
    expect(rules(violations)).toEqual(['payment_attempts']);
    expect(violations[0]!.detail).toBe(
      `succeeded payment with 2 succeeded of 2 attempt(s), one naming another provider reference than the payment's ${s.payment.providerRef}`,
    );

    const failed = await paidAndRefunded();
    await db.payment.update({ where: { id: failed.payment.id }, data: { status: 'failed' } });
    // The paid invoice has lost its payment as well.
    expect(rules(await check(failed.tenant.organizationId))).toEqual(['invoice_payment', 'payment_attempts']);
  });

  it('payment_refunds: amountRefunded that is not the sum of the accepted refunds, or more than was paid', async () => {
    const s = await paidAndRefunded();
    await db.payment.update({ where: { id: s.payment.id }, data: { amountRefunded: { increment: '0.01' } } });
    let violations = await check(s.tenant.organizationId);
    expect(rules(violations)).toEqual(['payment_refunds']);
    expect(violations[0]!.detail).toBe('payment amountRefunded 10.01, its accepted refunds sum to 10, 49 was paid');

    const over = await paidAndRefunded();
    // A refund and its credit note of more than was paid, amountRefunded following them: only "more than paid" is left.
    await db.refund.update({ where: { id: over.full.id }, data: { amount: '25' } });
    await db.creditNote.update({ where: { refundId: over.full.id }, data: { amount: '25' } });
    await db.invoice.update({ where: { id: over.wire.id }, data: { amountRefunded: '25' } });
    await db.payment.updateMany({ where: { invoiceId: over.wire.id }, data: { amountRefunded: '25' } });
    violations = await check(over.tenant.organizationId);
    expect(rules(violations)).toEqual(['payment_refunds', 'payment_refunds']);
    expect(violations.map((v) => v.detail).sort()).toEqual([
      'invoice amountRefunded 25, its accepted refunds sum to 25, 20 was paid',
      'payment amountRefunded 25, its accepted refunds sum to 25, 20 was paid',
    ]);
  });

  it('refund_credit_note: a credit note of another amount, a succeeded refund without one, a failed refund with one', async () => {
    const s = await paidAndRefunded();
    await db.creditNote.update({ where: { refundId: s.partial.id }, data: { amount: '9.99' } });
    let violations = await check(s.tenant.organizationId);
    expect(rules(violations)).toEqual(['refund_credit_note']);
    expect(violations[0]!.detail).toBe('a succeeded refund of 10 with a credit note of 9.99 (or of another invoice)');

    const failed = await paidAndRefunded();
    await db.refund.update({ where: { id: failed.partial.id }, data: { status: 'failed' } });
    expect(rules(await check(failed.tenant.organizationId))).toEqual(['refund_credit_note']);

    const missing = await paidAndRefunded();
    const refund = await db.refund.create({
      data: {
        organizationId: missing.tenant.organizationId,
        entityId: missing.tenant.entityId,
        invoiceId: missing.card.id,
        paymentId: missing.payment.id,
        kind: 'invoice',
        amount: '1',
        currency: 'USD',
        status: 'succeeded',
        provider: 'sandbox',
        idempotencyKey: `refund:${missing.card.id}:planted`,
      },
    });
    violations = await check(missing.tenant.organizationId);
    expect(rules(violations)).toEqual(['refund_credit_note']);
    expect(violations[0]!.ids).toEqual([refund.id]);
  });

  it('credit_note_numbering: a gap, and a next number out of step', async () => {
    const s = await paidAndRefunded();
    await db.creditNote.update({ where: { refundId: s.full.id }, data: { number: 3 } });
    expect(rules(await check(s.tenant.organizationId))).toEqual(['credit_note_numbering']);

    const other = await paidAndRefunded();
    await db.organization.update({ where: { id: other.tenant.organizationId }, data: { nextCreditNoteNumber: 5 } });
    const violations = await check(other.tenant.organizationId);
    expect(rules(violations)).toEqual(['credit_note_numbering']);
    expect(violations[0]!.detail).toBe(
      '2 credit notes (2 distinct numbers, highest 2), next number 5: numbers must be exactly 1..N',
    );
  });

  it('payment_disputes: a payment marked disputed without a dispute, and a dispute on an unmarked payment', async () => {
    const s = await paidAndRefunded();
    await db.payment.update({ where: { id: s.payment.id }, data: { disputedAt: null } });
    expect(rules(await check(s.tenant.organizationId))).toEqual(['payment_disputes']);
    const wirePayment = await db.payment.findFirstOrThrow({ where: { invoiceId: s.wire.id } });
    await db.payment.update({ where: { id: wirePayment.id }, data: { disputedAt: new Date() } });
    const violations = await check(s.tenant.organizationId);
    expect(violations.map((v) => v.detail).sort()).toEqual([
      'a payment marked disputed without a dispute',
      'a payment with 1 dispute(s) not marked disputed',
    ]);
  });
});
