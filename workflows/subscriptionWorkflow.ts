// subscription:<id> — one seat subscription's lifecycle. Updates `changeSeats`, `changePlan`, `pause`, `resume`,
// `cancel` validate their input, apply the change and its proration in one idempotent activity keyed by the Update
// id, and return what was charged or credited. Timers: a scheduled resume and the period end (renewal, cancel at
// period end). Query `state`. Continues as new when Temporal suggests it, after every in-flight Update finished.
// A change settled charge_now comes back with its own numbered invoice: the workflow announces it (invoice.finalized)
// and starts its collection (invoice:<invoiceId>) before the Update returns, as the period close does. Every state
// change (created, seats, plan, paused, resumed, cancel scheduled, canceled) comes back with its subscription.*
// outbox row, which the workflow hands to delivery before the Update returns. A credit the organization refunds in
// cash comes back with its refunds, which the workflow carries out before the Update returns.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ChargedInvoice } from '../activities/subscriptions/chargeNowInvoice.js';
import type {
  ChangeRequest,
  ChangeResult,
  SubscriptionSnapshot,
} from '../activities/subscriptions/subscriptionSnapshot.js';
import { type RunNamesInput, tenantLabel } from './runDetails.js';
import { type TestClockInput, testClockOf } from './workflowClock.js';

const {
  createSubscription,
  loadSubscription,
  syncSubscription,
  applySubscriptionChange,
  dispatchWebhookEvents,
  startInvoiceCollection,
  executeRefunds,
} = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Histories recorded before charge_now changes had invoices of their own never collected one. */
export const CHARGE_NOW_INVOICE_PATCH = 'charge-now-invoice';
/** Histories recorded before subscription.* webhooks never dispatched one (their activity results carry none). */
export const SUBSCRIPTION_WEBHOOKS_PATCH = 'subscription-webhooks';
/** Histories recorded before downgrade credits could be refunded in cash never carried refunds out. */
export const DOWNGRADE_REFUNDS_PATCH = 'downgrade-refunds';

export interface SubscriptionWorkflowInput extends TestClockInput, RunNamesInput {
  subscriptionId: string;
  organizationId: string;
  entityId: string;
  /** Present on the first run only: creates the subscription (idempotent on its id). */
  create?: { planId: string; seats: number };
  /** Continue as new after this many applied changes (tests); otherwise when Temporal suggests it. */
  continueAsNewAfterChanges?: number;
}

export interface SubscriptionWorkflowState {
  subscription: SubscriptionSnapshot | null;
  changesApplied: number;
  lastChange: ChangeResult | null;
}

export const subscriptionStateQuery = wf.defineQuery<SubscriptionWorkflowState>('state');
/** Resolves once the subscription exists (the Update of an Update-with-Start create). */
export const awaitCreatedUpdate = wf.defineUpdate<SubscriptionSnapshot>('awaitCreated');
export const changeSeatsUpdate = wf.defineUpdate<ChangeResult, [{ seats: number }]>('changeSeats');
export const changePlanUpdate = wf.defineUpdate<ChangeResult, [{ planId: string }]>('changePlan');
export const pauseUpdate = wf.defineUpdate<ChangeResult, [{ resumeAt?: string | null }]>('pause');
export const resumeUpdate = wf.defineUpdate<ChangeResult, []>('resume');
export const cancelUpdate = wf.defineUpdate<ChangeResult, [{ atPeriodEnd: boolean }]>('cancel');

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionSnapshot | null> {
  const state: SubscriptionWorkflowState = { subscription: null, changesApplied: 0, lastChange: null };
  let busy = false;
  let changed = false;
  let createFailure: Error | null = null;
  // A test clock's entity runs on the clock's time (workflowClock.ts); everyone else on wall time, as always.
  const clock = testClockOf(input);
  const now = () => (clock ? clock.now() : Date.now());
  const runName = `Subscription of ${tenantLabel(input.names, input.entityId)}`;
  const describe = (sub: SubscriptionSnapshot) =>
    wf.setCurrentDetails(`${runName}: ${sub.seats} seats, ${sub.status}, period ends ${sub.currentPeriodEnd}`);
  wf.setCurrentDetails(runName);
  wf.setHandler(subscriptionStateQuery, () => state);

  const live = () => {
    if (createFailure) throw createFailure;
    if (state.subscription?.status === 'canceled')
      throw wf.ApplicationFailure.nonRetryable('the subscription is canceled', 'SUBSCRIPTION_CANCELED');
  };
  /** Hands a change's subscription.* outbox rows to delivery. */
  const announce = async (webhookEventIds: string[] | undefined) => {
    if (!webhookEventIds || webhookEventIds.length === 0) return;
    if (!wf.patched(SUBSCRIPTION_WEBHOOKS_PATCH)) return;
    await dispatchWebhookEvents({ webhookEventIds });
  };
  /** Announces a change's one-off invoice and starts its collection; returns it without its outbox ids. */
  const collect = async (invoice: ChargedInvoice): Promise<ChargedInvoice> => {
    const { webhookEventIds = [], ...shown } = invoice;
    if (!wf.patched(CHARGE_NOW_INVOICE_PATCH)) return shown;
    if (webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds });
    if (invoice.status === 'open') {
      // invoice:<invoiceId> has a fixed id: a repeated start (retry, reconciliation) finds it and changes nothing.
      await startInvoiceCollection({
        invoiceId: invoice.invoiceId,
        organizationId: input.organizationId,
        entityId: input.entityId,
      });
    }
    return shown;
  };
  const apply = async (change: ChangeRequest['change']): Promise<ChangeResult> => {
    await wf.condition(() => state.subscription !== null || createFailure !== null);
    await wf.condition(() => !busy);
    busy = true;
    try {
      live();
      const { webhookEventIds, ...applied } = await applySubscriptionChange({
        subscriptionId: input.subscriptionId,
        changeId: wf.currentUpdateInfo()?.id ?? wf.uuid4(),
        at: new Date(now()).toISOString(),
        change,
      });
      await announce(webhookEventIds);
      const result: ChangeResult = applied.invoice ? { ...applied, invoice: await collect(applied.invoice) } : applied;
      if (applied.refundIds && applied.refundIds.length > 0 && wf.patched(DOWNGRADE_REFUNDS_PATCH)) {
        // A credit refunded in cash (the organization's policy): the provider returns it now, credit notes follow.
        const refunded = await executeRefunds({ refundIds: applied.refundIds });
        if (refunded.webhookEventIds.length > 0) {
          await dispatchWebhookEvents({ webhookEventIds: refunded.webhookEventIds });
        }
      }
      state.subscription = result.subscription;
      state.lastChange = result;
      state.changesApplied += 1;
      changed = true;
      return result;
    } finally {
      busy = false;
    }
  };
  // Validators refuse with the same stable codes the activity uses (the API answers them as they are); a refused
  // Update leaves nothing in the history.
  const refuse = (message: string, code: string) => wf.ApplicationFailure.nonRetryable(message, code);
  const notCanceled = () => {
    if (state.subscription?.status === 'canceled')
      throw refuse('the subscription is canceled', 'SUBSCRIPTION_CANCELED');
  };

  wf.setHandler(awaitCreatedUpdate, async () => {
    await wf.condition(() => state.subscription !== null || createFailure !== null);
    if (createFailure) throw createFailure;
    return state.subscription!;
  });
  wf.setHandler(changeSeatsUpdate, ({ seats }) => apply({ kind: 'seats', seats }), {
    validator: ({ seats }) => {
      notCanceled();
      if (!Number.isSafeInteger(seats) || seats < 1 || seats > 1_000_000)
        throw refuse('seats must be an integer 1..1000000', 'INVALID_SEATS');
    },
  });
  wf.setHandler(changePlanUpdate, ({ planId }) => apply({ kind: 'plan', planId }), {
    validator: ({ planId }) => {
      notCanceled();
      if (typeof planId !== 'string' || planId.length === 0) throw refuse('planId is required', 'PLAN_NOT_FOUND');
    },
  });
  wf.setHandler(pauseUpdate, (arg) => apply({ kind: 'pause', resumeAt: arg?.resumeAt ?? null }), {
    validator: (arg) => {
      notCanceled();
      if (state.subscription?.status === 'paused') {
        throw refuse('the subscription is already paused', 'SUBSCRIPTION_PAUSED');
      }
      const resumeAt = arg?.resumeAt;
      if (resumeAt != null && !(Date.parse(resumeAt) > now()))
        throw refuse('resumeAt must be a future instant', 'INVALID_RESUME_AT');
    },
  });
  wf.setHandler(resumeUpdate, () => apply({ kind: 'resume' }), {
    validator: () => {
      notCanceled();
      if (state.subscription && state.subscription.status !== 'paused')
        throw refuse('the subscription is not paused', 'SUBSCRIPTION_NOT_PAUSED');
    },
  });
  wf.setHandler(cancelUpdate, (arg) => apply({ kind: 'cancel', atPeriodEnd: arg?.atPeriodEnd ?? false }), {
    validator: (_arg) => notCanceled(),
  });

  let createdEvents: string[] | undefined;
  try {
    if (input.create) {
      const { webhookEventIds, ...created } = await createSubscription({
        subscriptionId: input.subscriptionId,
        organizationId: input.organizationId,
        entityId: input.entityId,
        planId: input.create.planId,
        seats: input.create.seats,
        at: new Date(now()).toISOString(),
      });
      state.subscription = created;
      createdEvents = webhookEventIds;
    } else {
      state.subscription = await loadSubscription({ subscriptionId: input.subscriptionId });
    }
  } catch (err) {
    createFailure = err instanceof Error ? err : new Error(String(err));
    await wf.condition(wf.allHandlersFinished);
    throw err;
  }
  if (!state.subscription) return null;
  await announce(createdEvents);

  for (;;) {
    const sub: SubscriptionSnapshot = state.subscription;
    if (sub.status === 'canceled') break;
    const changeLimit = input.continueAsNewAfterChanges;
    if (
      wf.workflowInfo().continueAsNewSuggested ||
      (changeLimit !== undefined && state.changesApplied >= changeLimit)
    ) {
      await wf.condition(() => !busy && wf.allHandlersFinished());
      await wf.continueAsNew<typeof subscriptionWorkflow>({
        subscriptionId: input.subscriptionId,
        organizationId: input.organizationId,
        entityId: input.entityId,
        ...(input.names ? { names: input.names } : {}),
        ...(clock ? { testClock: clock.carry() } : {}),
        ...(changeLimit !== undefined ? { continueAsNewAfterChanges: changeLimit } : {}),
      });
    }
    // Wake at the next thing due: a scheduled resume or the period end.
    const wakeAt = Math.min(
      Date.parse(sub.currentPeriodEnd),
      sub.status === 'paused' && sub.resumeAt ? Date.parse(sub.resumeAt) : Number.POSITIVE_INFINITY,
    );
    changed = false;
    describe(sub);
    const wake = () => changed || wf.workflowInfo().continueAsNewSuggested;
    const timedOut = clock
      ? !(await clock.until(wakeAt, wake))
      : !(await wf.condition(wake, Math.max(0, wakeAt - Date.now())));
    if (timedOut) {
      await wf.condition(() => !busy);
      busy = true;
      try {
        const synced = await syncSubscription({
          subscriptionId: input.subscriptionId,
          at: new Date(now()).toISOString(),
        });
        if (synced) {
          const { chargedInvoice, webhookEventIds, ...subscription } = synced;
          await announce(webhookEventIds);
          // A scheduled resume is a charge like any other: its invoice is collected now.
          if (chargedInvoice) await collect(chargedInvoice);
          state.subscription = subscription;
        }
      } finally {
        busy = false;
      }
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return state.subscription;
}
