// payout:<payeeId> — a payee's money leaving the marketplace. It wakes on the payee's schedule (weekly: Mondays 00:00
// UTC; monthly: the 1st; on_demand: when signalled payNow), and pays out in each currency what is available then:
// earnings past the organization's security hold, net of any negative balance a refund left, if at least the payee's
// minimum (activities/marketplace/payouts.ts, domain/payoutTiming.ts). A payout the provider refuses is tried again
// after 1 hour, 6 hours and 1 day; refused for good (or by then) it fails and its money is back on the balance, paid
// with the next payout. A payout found in transit when the run starts (a crash, a continue-as-new) is carried on.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { nextScheduledPayout } from '../domain/payoutTiming.js';

const { payoutState, makePayout, sendPayout, settlePayout, dispatchWebhookEvents } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Waits between the attempts of one payout the provider refused for now. */
export const PAYOUT_RETRY_DELAYS_MS = [3_600_000, 6 * 3_600_000, 86_400_000];
/** Wake-ups per run before continuing as new (a weekly payee: about a year). */
const WAKE_UPS_PER_RUN = 50;

export interface PayoutWorkflowInput {
  organizationId: string;
  payeeId: string;
  /** Carried into the next run by continue-as-new: a pay-now it had received and not yet carried out. */
  payNow?: boolean;
  /** Carried into the next run: the scheduled payout it was waiting for (ms), due or not. */
  nextRunAt?: number | null;
  /** Wake-ups before continuing as new (default WAKE_UPS_PER_RUN; tests make it small). */
  wakeUpsPerRun?: number;
}

export interface PayoutWorkflowState {
  payeeId: string;
  phase: 'loading' | 'waiting' | 'paying' | 'retrying' | 'payee_gone';
  /** The next scheduled payout; null for on_demand. */
  nextRunAt: string | null;
  currencies: Array<{ currency: string; balance: string; pending: string; available: string }>;
  /** Payouts this run settled. */
  paid: number;
  failed: number;
}

export const payNowSignal = wf.defineSignal('payNow');
export const payoutStateQuery = wf.defineQuery<PayoutWorkflowState>('state');

export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutWorkflowState> {
  const state: PayoutWorkflowState = {
    payeeId: input.payeeId,
    phase: 'loading',
    nextRunAt: null,
    currencies: [],
    paid: 0,
    failed: 0,
  };
  let payNow = input.payNow ?? false;
  wf.setHandler(payNowSignal, () => {
    payNow = true;
  });
  wf.setHandler(payoutStateQuery, () => state);
  wf.setCurrentDetails(`Payouts of payee ${input.payeeId}`);
  const ref = { organizationId: input.organizationId, payeeId: input.payeeId };
  const at = () => new Date(Date.now()).toISOString();
  const dispatch = async (ids: string[]) => {
    if (ids.length > 0) await dispatchWebhookEvents({ webhookEventIds: ids });
  };

  /** Sends a payout until the provider pays it, refuses it for good, or the retries run out; then settles it. */
  const deliver = async (payoutId: string, firstAttempt: number) => {
    for (let attempt = firstAttempt; ; attempt++) {
      state.phase = 'paying';
      const result = await sendPayout({ organizationId: input.organizationId, payoutId, attempt });
      if (result.status === 'paid') {
        const done = await settlePayout({
          organizationId: input.organizationId,
          payoutId,
          outcome: 'paid',
          providerRef: result.providerRef,
          at: at(),
        });
        await dispatch(done.webhookEventIds);
        state.paid += 1;
        return;
      }
      const delay = PAYOUT_RETRY_DELAYS_MS[attempt - 1];
      if (!result.retryable || delay === undefined) {
        const done = await settlePayout({
          organizationId: input.organizationId,
          payoutId,
          outcome: 'failed',
          errorCode: result.errorCode,
          errorMessage: result.errorMessage,
          at: at(),
        });
        await dispatch(done.webhookEventIds);
        state.failed += 1;
        return;
      }
      state.phase = 'retrying';
      await wf.sleep(delay);
    }
  };

  let nextRunAt: number | null = input.nextRunAt ?? null;
  for (let wakeUp = 0; wakeUp < (input.wakeUpsPerRun ?? WAKE_UPS_PER_RUN); wakeUp++) {
    const current = await payoutState({ ...ref, at: at() });
    if (current.schedule === null) {
      state.phase = 'payee_gone';
      return state;
    }
    state.currencies = current.currencies.map(({ currency, balance, pending, available }) => ({
      currency,
      balance,
      pending,
      available,
    }));
    // A payout left in transit resumes with its last attempt's key: the provider answers what it did with it (a
    // transfer it made is never made again under a new key), and a refusal goes on to the next attempt.
    for (const funds of current.currencies) {
      if (funds.inTransit) await deliver(funds.inTransit.payoutId, Math.max(1, funds.inTransit.attempts));
    }
    if (current.schedule === 'on_demand') nextRunAt = null;
    else nextRunAt ??= nextScheduledPayout(current.schedule, new Date(Date.now()))?.getTime() ?? null;

    const scheduled = nextRunAt !== null && Date.now() >= nextRunAt;
    if (payNow || scheduled) {
      payNow = false;
      if (scheduled && current.schedule !== 'on_demand') {
        nextRunAt = nextScheduledPayout(current.schedule, new Date(Date.now()))?.getTime() ?? null;
      }
      for (const funds of current.currencies) {
        if (funds.decision !== 'pay') continue;
        const made = await makePayout({ ...ref, currency: funds.currency, at: at() });
        await dispatch(made.webhookEventIds);
        if (made.payoutId) await deliver(made.payoutId, 1);
      }
      continue;
    }

    state.phase = 'waiting';
    state.nextRunAt = nextRunAt === null ? null : new Date(nextRunAt).toISOString();
    if (nextRunAt === null) await wf.condition(() => payNow);
    else await wf.condition(() => payNow, Math.max(1, nextRunAt - Date.now()));
    if (wf.workflowInfo().continueAsNewSuggested) break;
  }
  // The last wait may have ended because a payout fell due or a pay-now arrived: the next run does it, so both travel
  // with it (a new run would otherwise take the next scheduled date after now, and a pay-now would be lost).
  return wf.continueAsNew<typeof payoutWorkflow>({ ...input, payNow, nextRunAt });
}
