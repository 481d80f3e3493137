// invoice:<invoiceId> — collects one invoice. Charges at once, then retries on the dunning schedule (default 1, 3
// and 7 days after the first attempt; every failure emits invoice.payment_failed). When the schedule is exhausted the
// invoice is past due and the entity suspended (invoice.past_due, entity.suspended; metering then rejects its events
// with ENTITY_SUSPENDED). The workflow keeps waiting for a `retryPayment` signal (e.g. a new card): a successful
// payment marks the invoice paid (invoice.paid) and reactivates the entity (entity.reactivated).
// A `retryPayment` during dunning charges at once instead of waiting for the next scheduled attempt.
// An invoice settled outside the workflow (marked paid out of band, voided through the API) ends it: the API signals
// `invoiceSettled` after its transaction has done everything the settlement changes (invoice, entity,
// subscriptions, webhooks), so the workflow only stops: no further attempt, nothing written twice. Should the signal
// be lost, the next attempt re-reads the invoice and charges nothing (chargeInvoice: already_paid, not_collectible).
// Provider outcomes (patch PROVIDER_OUTCOMES_PATCH): a charge the provider answers `processing` is decided by its
// webhook, which records the outcome and signals `providerOutcome`; the workflow waits for it (asking the provider
// itself after a day without news). A failure whose decision is `customer_action` (authentication required, an
// expired card, a currency the provider refuses) makes no further automatic attempt: the workflow waits for a
// `retryPayment` until the schedule's last day, then the invoice is past due as usual.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type RunNamesInput, tenantLabel } from './runDetails.js';
import { type TestClockInput, testClockOf } from './workflowClock.js';

const { chargeInvoice, refreshChargeAttempt, markInvoicePastDue, dispatchWebhookEvents } =
  wf.proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  });

export const DEFAULT_DUNNING_DAYS: readonly number[] = [1, 3, 7];
const DAY_MS = 86_400_000;

export interface InvoiceCollectionInput extends TestClockInput, RunNamesInput {
  invoiceId: string;
  organizationId: string;
  entityId: string;
  /** Retry offsets in days after the first attempt; default [1, 3, 7]. */
  dunningDays?: number[];
}

export interface InvoiceCollectionState {
  invoiceId: string;
  /** closed: the invoice was voided or written off, so nothing is collected. */
  /**
   * processing: the provider decides the current attempt later (its webhook); awaiting_customer: the last failure needs
   * the customer (no automatic attempt until a retry).
   */
  status: 'charging' | 'processing' | 'dunning' | 'awaiting_customer' | 'past_due' | 'paid' | 'closed';
  attempts: number;
  lastErrorCode: string | null;
  nextAttemptAt: string | null;
}

export const retryPaymentSignal = wf.defineSignal<[{ paymentMethod?: string } | undefined]>('retryPayment');
export const collectionStateQuery = wf.defineQuery<InvoiceCollectionState>('state');
/** The invoice's status after it was settled outside the workflow. */
export interface InvoiceSettled {
  invoiceStatus: 'paid' | 'void' | 'uncollectible';
}
export const invoiceSettledSignal = wf.defineSignal<[InvoiceSettled]>('invoiceSettled');
/** Versions the stop on `invoiceSettled`, so histories recorded before it replay unchanged. */
export const STOP_WHEN_SETTLED_PATCH = 'stop-collection-when-settled';
/** An attempt's outcome the provider decided later (its webhook), recorded before the signal is sent. */
export interface ProviderOutcome {
  attempt: number;
  status: 'succeeded' | 'failed';
  errorCode: string | null;
  decision: 'retry' | 'customer_action' | null;
}
export const providerOutcomeSignal = wf.defineSignal<[ProviderOutcome]>('providerOutcome');
/** Versions waiting for `processing` charges and the customer_action decision (histories before them replay). */
export const PROVIDER_OUTCOMES_PATCH = 'provider-outcomes';
const PROCESSING_CHECK_MS = DAY_MS;

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
  let settled: InvoiceSettled | null = null;
  const outcomes = new Map<number, ProviderOutcome>();
  let lastDecision: 'retry' | 'customer_action' | null = null;
  wf.setHandler(collectionStateQuery, () => state);
  wf.setHandler(providerOutcomeSignal, (outcome) => {
    outcomes.set(outcome.attempt, outcome);
  });
  // A test clock's entity runs on the clock's time (workflowClock.ts); everyone else on wall time, as always.
  const clock = testClockOf(input);
  const now = () => (clock ? clock.now() : Date.now());
  const runName = `Collection of invoice ${input.invoiceId} of ${tenantLabel(input.names, input.entityId)}`;
  const describe = () =>
    wf.setCurrentDetails(
      `${runName}: ${state.status}, ${state.attempts} attempts${state.nextAttemptAt ? `, next ${state.nextAttemptAt}` : ''}`,
    );
  describe();
  wf.setHandler(retryPaymentSignal, (arg) => {
    retryRequested = arg ?? {};
  });
  wf.setHandler(invoiceSettledSignal, (arg) => {
    settled = arg;
  });
  // True once the invoice was settled elsewhere: the collection ends with the invoice's status.
  const stopIfSettled = (): boolean => {
    const s = settled as InvoiceSettled | null;
    if (s === null || !wf.patched(STOP_WHEN_SETTLED_PATCH)) return false;
    state.status = s.invoiceStatus === 'paid' ? 'paid' : 'closed';
    state.nextAttemptAt = null;
    return true;
  };

  const firstAttemptAt = now();
  const attempt = async (nextAttemptAt: string | null, paymentMethod?: string): Promise<boolean> => {
    state.attempts += 1;
    const number = state.attempts;
    let result = await chargeInvoice({
      invoiceId: input.invoiceId,
      attempt: number,
      at: new Date(now()).toISOString(),
      nextAttemptAt,
      ...(paymentMethod ? { paymentMethod } : {}),
    });
    if (result.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
    if (result.status === 'pending' && wf.patched(PROVIDER_OUTCOMES_PATCH)) {
      // Decided by the provider later: its webhook records the outcome and signals it; a day without news, ask.
      state.status = 'processing';
      state.nextAttemptAt = null;
      while (result.status === 'pending') {
        const heard = await wf.condition(() => outcomes.has(number) || settled !== null, PROCESSING_CHECK_MS);
        if (settled !== null && stopIfSettled()) return true;
        const outcome = outcomes.get(number);
        if (outcome) {
          result = {
            status: outcome.status,
            errorCode: outcome.errorCode,
            decision: outcome.decision,
            webhookEventIds: [],
          };
        } else if (!heard) {
          result = await refreshChargeAttempt({
            invoiceId: input.invoiceId,
            attempt: number,
            at: new Date(now()).toISOString(),
          });
          if (result.webhookEventIds.length > 0) {
            await dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
          }
        }
      }
    }
    state.lastErrorCode = result.errorCode;
    lastDecision = result.decision ?? null;
    if (result.status === 'failed') return false;
    state.status = result.status === 'not_collectible' ? 'closed' : 'paid';
    state.nextAttemptAt = null;
    return true;
  };

  // The first attempt, then one per dunning offset (or sooner when asked).
  const lastDay = offsets.length > 0 ? firstAttemptAt + offsets[offsets.length - 1]! * DAY_MS : firstAttemptAt;
  for (let i = 0; i <= offsets.length; i++) {
    if (stopIfSettled()) return state;
    const nextAt = i < offsets.length ? new Date(firstAttemptAt + offsets[i]! * DAY_MS).toISOString() : null;
    const override = retryRequested as { paymentMethod?: string } | null;
    retryRequested = null;
    if (await attempt(nextAt, override?.paymentMethod)) return state;
    if (nextAt === null) break;
    if (lastDecision === 'customer_action' && wf.patched(PROVIDER_OUTCOMES_PATCH)) {
      // No automatic attempt can succeed: only a retry (a new card, an authentication) until the schedule's last day.
      state.status = 'awaiting_customer';
      state.nextAttemptAt = null;
      const askedByCustomer = () => retryRequested !== null || settled !== null;
      const asked = clock
        ? await clock.until(lastDay, askedByCustomer)
        : await wf.condition(askedByCustomer, Math.max(0, lastDay - Date.now()));
      if (!asked) break;
      continue;
    }
    state.status = 'dunning';
    state.nextAttemptAt = nextAt;
    describe();
    const wake = () => retryRequested !== null || settled !== null;
    if (clock) await clock.until(Date.parse(nextAt), wake);
    else await wf.condition(wake, Math.max(0, Date.parse(nextAt) - Date.now()));
  }
  if (stopIfSettled()) return state;

  state.status = 'past_due';
  state.nextAttemptAt = null;
  describe();
  const pastDue = await markInvoicePastDue({ invoiceId: input.invoiceId, at: new Date(now()).toISOString() });
  if (pastDue.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: pastDue.webhookEventIds });

  // Suspended until someone pays: each retryPayment signal is one more attempt; a settlement elsewhere ends it.
  for (;;) {
    const waitForPayment = () => retryRequested !== null || settled !== null;
    if (clock) await clock.idleUntil(waitForPayment);
    else await wf.condition(waitForPayment);
    if (stopIfSettled()) return state;
    // A settlement a worker without the patch saw (replayed) does not stop it: wait for a retry as that worker did.
    if (retryRequested === null) await wf.condition(() => retryRequested !== null);
    const override = retryRequested as { paymentMethod?: string } | null;
    retryRequested = null;
    if (await attempt(null, override?.paymentMethod)) return state;
    state.status = 'past_due';
  }
}
