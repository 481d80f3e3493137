// Hands committed outbox rows (WebhookEvent) to webhook delivery. The metering path and other writers call
// dispatch() after their transaction commits: one WebhookDelivery per subscribed endpoint and one
// webhook:<deliveryId> workflow each (fixed ids: a repeat starts nothing new), then dispatchedAt is set.
// It never throws into the caller's response: a failure is logged and the reconciliation schedule dispatches every
// row still pending a few minutes later.
import type { Client } from '@temporalio/client';
import type { Db } from '../activities/db.js';
import type { Logger } from '../activities/logger.js';
import { dispatchWebhookEvents } from '../activities/webhooks/dispatchWebhookEvents.js';
import type { DescribeTenant } from '../temporal/workflowStarts.js';

export interface OutboxDispatcher {
  /** Never rejects: a failure is logged, and the rows stay pending for reconciliation. */
  dispatch(webhookEventIds: string[]): Promise<void>;
}

export function createOutboxDispatcher(deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /** false on a Temporal server without our search attributes (see AppDeps). */
  searchAttributes?: boolean | undefined;
  describeTenant?: DescribeTenant | undefined;
}): OutboxDispatcher {
  return {
    async dispatch(webhookEventIds) {
      if (webhookEventIds.length === 0) return;
      try {
        await dispatchWebhookEvents(
          {
            db: deps.db,
            temporal: deps.temporal,
            taskQueue: deps.taskQueue,
            searchAttributes: deps.searchAttributes !== false,
            describeTenant: deps.describeTenant,
          },
          webhookEventIds,
        );
      } catch (err) {
        deps.log.warn({ err, webhookEventIds }, 'outbox dispatch failed; reconciliation will retry');
      }
    },
  };
}
