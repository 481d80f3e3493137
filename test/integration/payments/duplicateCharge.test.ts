// A charge whose call went unanswered may have taken the money. When the invoice is settled another way meanwhile
// (marked paid, voided), the activity's retry still asks the provider again with the same key; a charge that did land
// is money taken twice and goes back in full at once (a duplicate_charge refund with its credit note), the invoice
// stays as it was settled, and the payment invariants find nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { markInvoicePaidOutOfBand, voidInvoice } from '../../../activities/invoiceAdmin/invoiceStatusChanges.js';
import { createInvoiceCollectionActivities } from '../../../activities/payments/invoiceCollection.js';
import { createSandboxPaymentProvider } from '../../../activities/payments/sandboxPaymentProvider.js';
import { executeRefund } from '../../../activities/refunds/executeRefund.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
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

/** An invoice of 49.00 whose first charge goes unanswered (the sandbox's pm_card_timeout), settled by `settle`. */
async function chargedWhileSettled(settle: (tenant: TestTenant, invoiceId: string) => Promise<unknown>) {
  const tenant = await createTenant(db);
  await db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: 'pm_card_timeout' } });
  const invoice = await createOpenInvoice(db, {
    ...tenant,
    amount: '49',
    periodStart: new Date(Date.UTC(2026, 9, 1)),
    periodEnd: new Date(Date.UTC(2026, 10, 1)),
  });
  const collection = createInvoiceCollectionActivities(db, provider);
  const input = { invoiceId: invoice.id, attempt: 1, at: new Date().toISOString() };
  await expect(collection.chargeInvoice(input)).rejects.toThrow(/timed out/);
  await settle(tenant, invoice.id);
  // The activity's retry: the same attempt, the same key; the provider answers that the first call charged.
  const retried = await collection.chargeInvoice(input);
  const again = await collection.chargeInvoice(input);
  // The refund's own first call goes unanswered too (the sandbox's rule for this card): it stays pending, and the
  // reconciliation schedule carries it out with the same key (executeStalledRefunds runs executeRefund per row).
  const [pending] = await db.refund.findMany({ where: { invoiceId: invoice.id } });
  expect(pending?.status).toBe('pending');
  await executeRefund(db, provider, pending!.id);
  return { tenant, invoiceId: invoice.id, retried, again };
}

async function books(organizationId: string, invoiceId: string) {
  const invoice = await db.invoice.findUniqueOrThrow({ where: { id: invoiceId } });
  const payments = await db.payment.findMany({ where: { invoiceId } });
  const refunds = await db.refund.findMany({ where: { invoiceId }, include: { creditNote: true } });
  const events = await db.webhookEvent.findMany({ where: { organizationId }, orderBy: { id: 'asc' } });
  const { violations } = await checkInvariants(db, { organizationId, outboxGraceSeconds: 3600 });
  return { invoice, payments, refunds, types: events.map((e) => e.type), violations };
}

describe('a charge that lands on an invoice settled meanwhile', () => {
  it('marked paid: the charge is refunded in full with a credit note; the invoice keeps its one payment', async () => {
    const s = await chargedWhileSettled((t, id) =>
      markInvoicePaidOutOfBand(db, actor, t.organizationId, id, { method: 'wire_transfer' }),
    );
    expect(s.retried).toMatchObject({ status: 'succeeded', errorCode: null });
    // Once the unanswered attempt is decided, the invoice is settled: nothing is charged or refunded again.
    expect(s.again.status).toBe('already_paid');
    const b = await books(s.tenant.organizationId, s.invoiceId);
    expect(b.invoice.status).toBe('paid');
    expect([b.invoice.amountPaid.toFixed(2), b.invoice.amountRefunded.toFixed(2)]).toEqual(['49.00', '0.00']);
    const card = b.payments.find((p) => p.provider === 'sandbox')!;
    expect([card.status, card.amount.toFixed(2), card.amountRefunded.toFixed(2)]).toEqual([
      'succeeded',
      '49.00',
      '49.00',
    ]);
    expect(b.refunds).toHaveLength(1);
    const [refund] = b.refunds;
    expect([refund!.kind, refund!.status, refund!.amount.toFixed(2), refund!.paymentId]).toEqual([
      'duplicate_charge',
      'succeeded',
      '49.00',
      card.id,
    ]);
    expect(refund!.creditNote?.number).toBe(1);
    expect(refund!.creditNote?.description).toBe(`Duplicate charge refunded on invoice ${b.invoice.number}`);
    // One invoice.paid (the mark-paid), the charge and its return announced.
    expect(b.types.filter((t) => t === 'invoice.paid')).toHaveLength(1);
    expect(b.types).toEqual(expect.arrayContaining(['payment.succeeded', 'refund.succeeded', 'credit_note.issued']));
    expect(b.violations).toEqual([]);
  });

  it('voided: the charge is refunded in full; nothing is owed or paid on the void invoice', async () => {
    const s = await chargedWhileSettled((t, id) => voidInvoice(db, actor, t.organizationId, id));
    expect(s.retried.status).toBe('succeeded');
    expect(s.again.status).toBe('not_collectible');
    const b = await books(s.tenant.organizationId, s.invoiceId);
    expect(b.invoice.status).toBe('void');
    expect(b.invoice.amountRefunded.toFixed(2)).toBe('0.00');
    expect(b.refunds.map((r) => [r.kind, r.status, r.amount.toFixed(2)])).toEqual([
      ['duplicate_charge', 'succeeded', '49.00'],
    ]);
    expect(b.payments.map((p) => [p.status, p.amountRefunded.toFixed(2)])).toEqual([['succeeded', '49.00']]);
    expect(b.types).not.toContain('invoice.paid');
    expect(b.violations).toEqual([]);
  });
});
