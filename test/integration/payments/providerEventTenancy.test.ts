// A payment provider's webhook arrives with no tenant: it is applied as the organization whose payment it names
// (app_provider_event_organization), as the API applies it, on the application role's connection; one about nothing
// the platform knows is recorded as nobody's (the platform's) and changes nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { createInvoiceCollectionActivities } from '../../../activities/payments/invoiceCollection.js';
import { applyProviderEvent } from '../../../activities/payments/providerEvents.js';
import { createSandboxPaymentProvider } from '../../../activities/payments/sandboxPaymentProvider.js';
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
