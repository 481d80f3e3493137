// The payment work that starts with no tenant, on the application role's connection: a provider's webhook is applied
// as the organization whose payment it names (app_provider_event_organization), one about nothing the platform knows
// is recorded as nobody's and changes nothing; a refund left pending is found by the reconciliation across
// organizations (app_reconciliation_work) and run again as its own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { createInvoiceCollectionActivities } from '../../../activities/payments/invoiceCollection.js';
import { applyProviderEvent } from '../../../activities/payments/providerEvents.js';
import { createSandboxPaymentProvider } from '../../../activities/payments/sandboxPaymentProvider.js';
import { executeStalledRefunds } from '../../../activities/refunds/executeRefund.js';
import { createTenant } from '../../support/factories.js';
import { testAppDb, testDb } from '../../support/services.js';
import { createOpenInvoice } from '../../support/workflowFactories.js';

let owner: Db;
let app: Db;
const provider = createSandboxPaymentProvider();

beforeAll(() => {
  owner = testDb(2);
  app = testAppDb(2);
});
afterAll(async () => {
  await Promise.all([owner?.$disconnect(), app?.$disconnect()]);
});

describe('payment provider events under row-level security', () => {
  it("are applied as the organization of the payment they name, and stored as that organization's", async () => {
    const tenant = await createTenant(owner);
    const other = await createTenant(owner);
    const invoice = await createOpenInvoice(owner, {
      ...tenant,
      amount: '49',
      periodStart: new Date(Date.UTC(2026, 8, 1)),
      periodEnd: new Date(Date.UTC(2026, 9, 1)),
    });
    // The collection runs as the application role too (the worker's connection).
    const charged = await createInvoiceCollectionActivities(app, provider).chargeInvoice({
      invoiceId: invoice.id,
      attempt: 1,
      at: new Date().toISOString(),
    });
    expect(charged.status).toBe('succeeded');
    const payment = await owner.payment.findFirstOrThrow({ where: { invoiceId: invoice.id } });

    const event = {
      id: `evt_${randomUUID()}`,
      type: 'charge.dispute.created',
      object: { id: `dp_${randomUUID()}`, charge: payment.providerRef, amount: 4900, reason: 'fraudulent' },
    };
    const applied = await applyProviderEvent(app, 'sandbox', event);
    expect([applied.replayed, applied.outcome]).toEqual([false, 'dispute_opened']);
    const stored = await owner.providerEvent.findFirstOrThrow({ where: { eventId: event.id } });
    expect(stored.organizationId).toBe(tenant.organizationId);
    const dispute = await owner.dispute.findFirstOrThrow({ where: { paymentId: payment.id } });
    expect([dispute.organizationId, dispute.amount.toFixed(2)]).toEqual([tenant.organizationId, '49.00']);
    expect(await owner.dispute.count({ where: { organizationId: other.organizationId } })).toBe(0);

    // Delivered again: found as the same organization, changes nothing.
    const again = await applyProviderEvent(app, 'sandbox', event);
    expect([again.replayed, again.outcome]).toEqual([true, 'dispute_opened']);
    expect(await owner.dispute.count({ where: { paymentId: payment.id } })).toBe(1);
  });

  it("about nothing the platform knows: recorded as nobody's, changes nothing", async () => {
    const event = {
      id: `evt_${randomUUID()}`,
      type: 'charge.dispute.created',
      object: { id: `dp_${randomUUID()}`, charge: `ch_${randomUUID()}`, amount: 100, reason: 'fraudulent' },
    };
    const applied = await applyProviderEvent(app, 'sandbox', event);
    expect([applied.replayed, applied.outcome]).toEqual([false, 'unknown_payment']);
    const stored = await owner.providerEvent.findFirstOrThrow({ where: { eventId: event.id } });
    expect([stored.organizationId, stored.outcome]).toEqual([null, 'unknown_payment']);
    expect((await applyProviderEvent(app, 'sandbox', event)).replayed).toBe(true);
  });
});

describe('a refund left pending, under row-level security', () => {
  it('the reconciliation finds it across organizations and runs it again as its organization', async () => {
    const tenant = await createTenant(owner);
    const invoice = await createOpenInvoice(owner, {
      ...tenant,
      amount: '30',
      periodStart: new Date(Date.UTC(2026, 9, 1)),
      periodEnd: new Date(Date.UTC(2026, 10, 1)),
    });
    await createInvoiceCollectionActivities(app, provider).chargeInvoice({
      invoiceId: invoice.id,
      attempt: 1,
      at: new Date().toISOString(),
    });
    const payment = await owner.payment.findFirstOrThrow({ where: { invoiceId: invoice.id, status: 'succeeded' } });
    // What a refund whose first run died leaves: the row, pending, no credit note, two minutes old.
    const refund = await owner.refund.create({
      data: {
        organizationId: tenant.organizationId,
        entityId: tenant.entityId,
        invoiceId: invoice.id,
        paymentId: payment.id,
        kind: 'invoice',
        amount: '12.50',
        currency: 'USD',
        provider: payment.provider,
        idempotencyKey: `refund:${invoice.id}:${randomUUID()}`,
        createdAt: new Date(Date.now() - 120_000),
      },
    });
    const work = await app.$queryRaw<Array<{ kind: string; id: string; organizationId: string }>>`
      SELECT "kind", "id"::text AS id, "organizationId"::text AS "organizationId"
      FROM app_reconciliation_work(1000, now(), now() - interval '1 minute') WHERE "kind" = 'refund'`;
    const found = work.filter((w) => w.id === refund.id);
    expect(found).toEqual([{ kind: 'refund', id: refund.id, organizationId: tenant.organizationId }]);

    const ran = await executeStalledRefunds(app, provider, found);
    expect(ran.refunds).toBe(1);
    const after = await owner.refund.findUniqueOrThrow({ where: { id: refund.id }, include: { creditNote: true } });
    expect([after.status, after.creditNote?.amount.toFixed(2), after.creditNote?.organizationId]).toEqual([
      'succeeded',
      '12.50',
      tenant.organizationId,
    ]);
  });
});
