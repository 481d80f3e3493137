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
import { rootDb } from '../tenantDb.js';
import { dispatchWebhookEvents } from '../webhooks/dispatchWebhookEvents.js';

interface WorkRow {
  kind: 'entity' | 'subscription' | 'credit_grant' | 'invoice' | 'refund' | 'webhook_event';
  id: string;
  organizationId: string;
  entityId: string | null;
  /** An invoice's organization's dunning days (null for other kinds). */
  dunningDays: number[] | null;
}

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
      const cutoff = new Date(Date.now() - (input.outboxOlderThanMs ?? 30_000));
      // Spans every organization: the list comes from a SECURITY DEFINER function that returns ids only
      // (app_reconciliation_work, prisma/migrations/*_row_level_security); each start names its row's organization,
      // and each outbox row is dispatched as its own organization (dispatchWebhookEvents).
      const refundCutoff = new Date(Date.now() - 60_000);
      const work = await rootDb(db).$queryRaw<WorkRow[]>`
        SELECT "kind", "id", "organizationId", "entityId", "dunningDays"
        FROM app_reconciliation_work(${take}::int, ${cutoff}, ${refundCutoff})`;
      const of = (kind: WorkRow['kind']) => work.filter((w) => w.kind === kind);
      const entities = of('entity');
      for (const e of entities) await startEntityBillingWorkflow(d, { id: e.id, organizationId: e.organizationId });
      const subs = of('subscription');
      for (const s of subs) {
        await startSubscriptionWorkflow(d, { id: s.id, entityId: s.entityId!, organizationId: s.organizationId });
      }
      const grants = of('credit_grant');
      for (const g of grants) {
        await startCreditGrantWorkflow(d, { id: g.id, entityId: g.entityId!, organizationId: g.organizationId });
      }
      const invoices = of('invoice');
      for (const i of invoices) {
        await startInvoiceCollectionWorkflow(
          d,
          { id: i.id, organizationId: i.organizationId, entityId: i.entityId! },
          i.dunningDays ?? undefined,
        );
      }

      const refunds = await executeStalledRefunds(db, provider, of('refund'));
      if (refunds.webhookEventIds.length > 0) await dispatchWebhookEvents({ db, ...d }, refunds.webhookEventIds);

      const rows = of('webhook_event');
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
