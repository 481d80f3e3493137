// The reconciliation schedule's work: every active entity has billing:<id>, every live subscription
// subscription:<id>, every unexpired grant with credits left credit-grant:<id>, every open invoice with an amount due
// invoice:<id>, every refund left pending (its first run died or timed out) another run with its own key, and every
// outbox row not yet dispatched its deliveries. All starts use fixed ids, so this is idempotent and safe to run as
// often as the schedule likes (and concurrently with the API's own starts).
import type { Client } from '@temporalio/client';
import {
  startCreditGrantWorkflow,
  startEntityBillingWorkflow,
  startInvoiceCollectionWorkflow,
  startSubscriptionWorkflow,
} from '../../temporal/workflowStarts.js';
import type { Db } from '../db.js';
import { createTenantDescriber } from '../organizations/tenantDescription.js';
import type { PaymentProvider } from '../payments/paymentProvider.js';
import { createSandboxPaymentProvider } from '../payments/sandboxPaymentProvider.js';
import { executeStalledRefunds } from '../refunds/executeRefund.js';
import { dispatchWebhookEvents } from '../webhooks/dispatchWebhookEvents.js';

export interface ReconcileReport {
  entities: number;
  subscriptions: number;
  grants: number;
  invoices: number;
  refunds: number;
  outboxRows: number;
}

export function createReconciliationActivities(
  db: Db,
  temporal: Client | undefined,
  taskQueue: string,
  searchAttributes = true,
  provider: PaymentProvider = createSandboxPaymentProvider(),
) {
  const describeTenant = createTenantDescriber(db);
  const deps = () => {
    if (!temporal) throw new Error('reconciliation needs a Temporal client');
    return { temporal, taskQueue, searchAttributes, describeTenant };
  };
  return {
    async reconcileWorkflows(input: { limit?: number; outboxOlderThanMs?: number } = {}): Promise<ReconcileReport> {
      const d = deps();
      const take = input.limit ?? 1000;
      const entities = await db.entity.findMany({
        where: { deletedAt: null },
        select: { id: true, organizationId: true },
        take,
      });
      for (const e of entities) await startEntityBillingWorkflow(d, e);

      const subs = await db.entitySubscription.findMany({
        where: { status: { not: 'canceled' } },
        select: { id: true, entityId: true, entity: { select: { organizationId: true } } },
        take,
      });
      for (const s of subs) {
        await startSubscriptionWorkflow(d, { id: s.id, entityId: s.entityId, organizationId: s.entity.organizationId });
      }

      const grants = await db.creditGrant.findMany({
        where: { expiresAt: { not: null }, expiredAt: null, remaining: { gt: 0 } },
        select: { id: true, entityId: true, entity: { select: { organizationId: true } } },
        take,
      });
      for (const g of grants) {
        await startCreditGrantWorkflow(d, { id: g.id, entityId: g.entityId, organizationId: g.entity.organizationId });
      }

      const invoices = await db.invoice.findMany({
        where: { status: 'open', entityId: { not: null }, amountDue: { gt: 0 }, number: { not: null } },
        select: { id: true, organizationId: true, entityId: true, organization: { select: { dunningDays: true } } },
        take,
      });
      for (const i of invoices) {
        await startInvoiceCollectionWorkflow(
          d,
          { id: i.id, organizationId: i.organizationId, entityId: i.entityId! },
          i.organization.dunningDays,
        );
      }

      const refunds = await executeStalledRefunds(db, provider);
      if (refunds.webhookEventIds.length > 0) await dispatchWebhookEvents({ db, ...d }, refunds.webhookEventIds);

      const cutoff = new Date(Date.now() - (input.outboxOlderThanMs ?? 30_000));
      const rows = await db.webhookEvent.findMany({
        where: { dispatchedAt: null, createdAt: { lt: cutoff } },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
        take,
      });
      await dispatchWebhookEvents(
        { db, ...d },
        rows.map((r) => r.id),
      );
      return {
        entities: entities.length,
        subscriptions: subs.length,
        grants: grants.length,
        invoices: invoices.length,
        refunds: refunds.refunds,
        outboxRows: rows.length,
      };
    },
  };
}
