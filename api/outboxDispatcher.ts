// Hands committed outbox rows (WebhookEvent) to webhook delivery. The metering path and other writers call
// dispatch() after their transaction commits; a crash before that is covered by the reconciliation schedule, which
// dispatches every row still pending. Dispatch is idempotent (fixed workflow ids).
import type { Client } from '@temporalio/client';
import type { Db } from '../activities/db.js';
import type { Logger } from '../activities/logger.js';

export interface OutboxDispatcher {
  dispatch(webhookEventIds: string[]): Promise<void>;
}

export function createOutboxDispatcher(_deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
}): OutboxDispatcher {
  return {
    // Until webhook delivery workflows exist, rows stay pending (dispatchedAt null) and are listed by the API.
    async dispatch() {},
  };
}
