// invoice:<invoiceId> — collects one invoice. Charges at once, then retries on the dunning schedule (default 1, 3
// and 7 days after the first attempt; every failure emits invoice.payment_failed). When the schedule is exhausted the
// invoice is past due and the entity suspended (invoice.past_due, entity.suspended; metering then rejects its events
// with ENTITY_SUSPENDED). The workflow keeps waiting for a `retryPayment` signal (e.g. a new card): a successful
// payment marks the invoice paid (invoice.paid) and reactivates the entity (entity.reactivated).
// A `retryPayment` during dunning charges at once instead of waiting for the next scheduled attempt.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { chargeInvoice, markInvoicePastDue, dispatchWebhookEvents } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export const DEFAULT_DUNNING_DAYS: readonly number[] = [1, 3, 7];
const DAY_MS = 86_400_000;

export interface InvoiceCollectionInput {
  invoiceId: string;
  organizationId: string;
  entityId: string;
  /** Retry offsets in days after the first attempt; default [1, 3, 7]. */
  dunningDays?: number[];
}

export interface InvoiceCollectionState {
  invoiceId: string;
  status: 'charging' | 'dunning' | 'past_due' | 'paid';
  attempts: number;
  lastErrorCode: string | null;
  nextAttemptAt: string | null;
}

export const invoiceWorkflowId = (invoiceId: string) => `invoice:${invoiceId}`;
export const retryPaymentSignal = wf.defineSignal<[{ paymentMethod?: string } | undefined]>('retryPayment');
export const collectionStateQuery = wf.defineQuery<InvoiceCollectionState>('state');

export async function invoiceCollectionWorkflow(input: InvoiceCollectionInput): Promise<InvoiceCollectionState> {
  const offsets = input.dunningDays ?? DEFAULT_DUNNING_DAYS;
  const state: InvoiceCollectionState = {
    invoiceId: input.invoiceId,
    status: 'charging',
    attempts: 0,
    lastErrorCode: null,
    nextAttemptAt: null,
  };
  let retryRequested: { paymentMethod?: string } | null = null;
  wf.setHandler(collectionStateQuery, () => state);
  wf.setHandler(retryPaymentSignal, (arg) => {
    retryRequested = arg ?? {};
  });

  const firstAttemptAt = Date.now();
  const attempt = async (nextAttemptAt: string | null, paymentMethod?: string): Promise<boolean> => {
    state.attempts += 1;
    const result = await chargeInvoice({
      invoiceId: input.invoiceId,
      attempt: state.attempts,
      at: new Date(Date.now()).toISOString(),
      nextAttemptAt,
      ...(paymentMethod ? { paymentMethod } : {}),
    });
    if (result.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
    state.lastErrorCode = result.errorCode;
    return result.status !== 'failed';
  };

  // The first attempt, then one per dunning offset (or sooner when asked).
  for (let i = 0; i <= offsets.length; i++) {
    const nextAt = i < offsets.length ? new Date(firstAttemptAt + offsets[i]! * DAY_MS).toISOString() : null;
    const override = retryRequested as { paymentMethod?: string } | null;
    retryRequested = null;
    if (await attempt(nextAt, override?.paymentMethod)) {
      state.status = 'paid';
      state.nextAttemptAt = null;
      return state;
    }
    if (nextAt === null) break;
    state.status = 'dunning';
    state.nextAttemptAt = nextAt;
    await wf.condition(() => retryRequested !== null, Math.max(0, Date.parse(nextAt) - Date.now()));
  }

  state.status = 'past_due';
  state.nextAttemptAt = null;
  const pastDue = await markInvoicePastDue({ invoiceId: input.invoiceId, at: new Date(Date.now()).toISOString() });
  if (pastDue.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: pastDue.webhookEventIds });

  // Suspended until someone pays: each retryPayment signal is one more attempt.
  for (;;) {
    await wf.condition(() => retryRequested !== null);
    const override = retryRequested as { paymentMethod?: string } | null;
    retryRequested = null;
    if (await attempt(null, override?.paymentMethod)) {
      state.status = 'paid';
      return state;
    }
  }
}
