// Every activity the worker registers. Activities are plain async functions closed over their dependencies
// (the Prisma client, a Temporal client for starting workflows, the payment provider), so tests and the API can
// build them against any database.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createCreditGrantExpiryActivities } from './creditGrants/creditGrantExpiry.js';
import type { Db } from './db.js';
import { createBillingCycleActivities } from './invoicing/billingCycle.js';
import { createCloseBillingPeriodActivities } from './invoicing/closeBillingPeriod.js';
import { createBatchImportActivities } from './jobs/batchImport.js';
import { createBillingJobActivities } from './jobs/billingJobRecords.js';
import { createEventReplayActivities } from './jobs/eventReplay.js';
import { createPayoutActivities } from './marketplace/payouts.js';
import { createInvoiceCollectionActivities } from './payments/invoiceCollection.js';
import type { PaymentProvider } from './payments/paymentProvider.js';
import { createSandboxPaymentProvider } from './payments/sandboxPaymentProvider.js';
import type { PayoutProvider } from './payouts/payoutProvider.js';
import { createSandboxPayoutProvider } from './payouts/sandboxPayoutProvider.js';
import { createReconciliationActivities } from './reconciliation/reconcile.js';
import { createRefundActivities } from './refunds/refundActivities.js';
import { DEFAULT_ARCHIVE_DIR } from './retention/archiveFiles.js';
import { createRetentionActivities } from './retention/retentionActivities.js';
import { type SecretKeyring, secretKeyringFromEnv } from './secretsAtRest.js';
import { createSubscriptionLifecycleActivities } from './subscriptions/subscriptionLifecycle.js';
import { createTestClockActivities } from './testClocks/testClockAdvance.js';
import { createWebhookDispatchActivities } from './webhooks/dispatchActivity.js';
import { createWebhookDeliveryActivities } from './webhooks/webhookDelivery.js';
import type { ResolveHost } from './webhooks/webhookUrlPolicy.js';

export interface ActivityDeps {
  db: Db;
  /** Starts workflows from activities (webhook dispatch, reconciliation); the worker passes one. */
  temporal?: Client;
  /** Task queue for the workflows activities start; defaults to `billing`. */
  taskQueue?: string;
  /** Defaults to the built-in sandbox provider. */
  paymentProvider?: PaymentProvider;
  /** Pays payees out (payout:<payeeId>); defaults to the built-in sandbox payout provider. */
  payoutProvider?: PayoutProvider;
  /** Per-attempt webhook HTTP timeout. */
  webhookTimeoutMs?: number;
  /** Dev mode: deliver webhooks to loopback/private addresses (WEBHOOK_ALLOW_INTERNAL_URLS). Default false. */
  allowInternalWebhookUrls?: boolean;
  /** Host resolution for the delivery-time URL check (default: the system resolver). */
  resolveWebhookHost?: ResolveHost;
  /** Set tenant search attributes on workflows started from activities; false for the time-skipping test server. */
  searchAttributes?: boolean;
  /** Where the retention run writes its archives (RETENTION_ARCHIVE_DIR); default .data/archive. */
  archiveDir?: string;
  /** SECRET_KEYS, to open webhook signing secrets; default: from the environment (secretsAtRest.ts). */
  secretKeys?: SecretKeyring;
}

export function createActivities({
  db,
  temporal,
  taskQueue = 'billing',
  paymentProvider,
  payoutProvider,
  webhookTimeoutMs,
  allowInternalWebhookUrls = false,
  resolveWebhookHost,
  searchAttributes = true,
  archiveDir = DEFAULT_ARCHIVE_DIR,
  secretKeys = secretKeyringFromEnv(),
}: ActivityDeps) {
  const provider = paymentProvider ?? createSandboxPaymentProvider();
  return {
    ...createBillingCycleActivities(db),
    ...createCloseBillingPeriodActivities(db),
    ...createInvoiceCollectionActivities(db, provider),
    ...createRefundActivities(db, provider),
    ...createPayoutActivities(db, payoutProvider ?? createSandboxPayoutProvider()),
    ...createSubscriptionLifecycleActivities(db),
    ...createCreditGrantExpiryActivities(db),
    ...createWebhookDeliveryActivities(db, secretKeys, {
      timeoutMs: webhookTimeoutMs,
      allowInternal: allowInternalWebhookUrls,
      resolve: resolveWebhookHost,
    }),
    ...createWebhookDispatchActivities(db, temporal, taskQueue, searchAttributes),
    ...createReconciliationActivities(db, temporal, taskQueue, searchAttributes, provider),
    ...createBillingJobActivities(db),
    ...createEventReplayActivities(db),
    ...createBatchImportActivities(db),
    ...createTestClockActivities(db, temporal),
    ...createRetentionActivities(db, path.resolve(archiveDir)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
