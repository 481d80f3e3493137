// webhook:<deliveryId> — delivers one outbox event to one endpoint. Each attempt is an activity (so it shows in the
// history and the delivery log); between attempts the workflow sleeps on a fixed backoff schedule of about 3 days.
// 2xx ends it (delivered), 410 disables the endpoint and dead-letters the delivery, anything else (or a timeout)
// retries; when the schedule is exhausted the delivery is dead-lettered. Signal `redeliver` attempts at once; after
// the workflow finished, a redelivery starts a new run with the same id (temporal/webhookRedelivery.ts).
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { prepareWebhookDelivery, attemptWebhookDelivery, markWebhookDeliveryDead } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/** Waits before attempts 2, 3, ...: 1m, 5m, 30m, 2h, 5h, 10h ×5, 14h (12 attempts over ~71.6 h ≈ 3 days). */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
];

export interface WebhookDeliveryInput {
  deliveryId: string;
  organizationId: string;
  /** A requested redelivery: deliver again even if the delivery already succeeded or was dead-lettered. */
  redelivery?: boolean;
  /** Overrides the retry schedule (tests, ops). */
  retryDelaysMs?: number[];
}

export interface WebhookDeliveryState {
  deliveryId: string;
  status: 'starting' | 'attempting' | 'waiting_to_retry' | 'delivered' | 'dead' | 'skipped';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}

export interface WebhookDeliveryResult {
  status: 'delivered' | 'dead' | 'skipped';
  attempts: number;
}

export const redeliverSignal = wf.defineSignal('redeliver');
export const webhookStateQuery = wf.defineQuery<WebhookDeliveryState>('state');

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const delays = input.retryDelaysMs ?? WEBHOOK_RETRY_DELAYS_MS;
  const state: WebhookDeliveryState = {
    deliveryId: input.deliveryId,
    status: 'starting',
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    nextAttemptAt: null,
  };
  let redeliverRequested = false;
  wf.setHandler(webhookStateQuery, () => state);
  wf.setHandler(redeliverSignal, () => {
    redeliverRequested = true;
  });

  const prepared = await prepareWebhookDelivery({
    deliveryId: input.deliveryId,
    redelivery: input.redelivery ?? false,
  });
  if (prepared.status === 'missing' || prepared.status === 'dead' || prepared.status === 'delivered') {
    state.status = 'skipped';
    return { status: 'skipped', attempts: 0 };
  }

  let attemptNumber = prepared.attemptCount;
  for (let retry = 0; ; retry++) {
    attemptNumber += 1;
    redeliverRequested = false;
    const delay = retry < delays.length ? delays[retry]! : null;
    const nextAttemptAt = delay === null ? null : new Date(Date.now() + delay).toISOString();
    state.status = 'attempting';
    wf.log.info('webhook attempt', { deliveryId: input.deliveryId, attemptNumber });
    const result = await attemptWebhookDelivery({ deliveryId: input.deliveryId, attemptNumber, nextAttemptAt });
    state.attempts += 1;
    state.lastStatusCode = result.statusCode;
    state.lastError = result.error;
    if (result.outcome === 'delivered') {
      state.status = 'delivered';
      state.nextAttemptAt = null;
      return { status: 'delivered', attempts: state.attempts };
    }
    if (result.outcome !== 'retry' || delay === null) {
      if (result.outcome === 'retry') {
        await markWebhookDeliveryDead({ deliveryId: input.deliveryId, reason: `retries exhausted: ${result.error}` });
      }
      state.status = result.outcome === 'missing' ? 'skipped' : 'dead';
      state.nextAttemptAt = null;
      return { status: state.status === 'skipped' ? 'skipped' : 'dead', attempts: state.attempts };
    }
    state.status = 'waiting_to_retry';
    state.nextAttemptAt = nextAttemptAt;
    await wf.condition(() => redeliverRequested, delay);
  }
}
