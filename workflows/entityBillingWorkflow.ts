// billing:<entityId> — one per entity, for its whole life. Takes the entity's first billing period not yet closed,
// sleeps to its end (or until asked to close now), closes it into its one consolidated invoice, starts that invoice's
// collection (invoice:<invoiceId>, which outlives this run) and continues as new for the next period. `closeNow`
// (signal) ends the open period now: it is invoiced as a stub and the next period runs from now to the next anchor
// boundary. `changeAnchorDay` (update) moves the end of the latest period and every later boundary. Neither restarts
// the workflow. The period rows, not this workflow, are the truth about periods (domain/periodTiling.ts).
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { periodLabel, type RunNamesInput, tenantLabel } from './runDetails.js';
import { type TestClockInput, testClockOf } from './workflowClock.js';

const { openNextBillingPeriod, changeBillingAnchor } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
const closeActivityOptions = (startToCloseTimeout: string | number): wf.ActivityOptions => ({
  startToCloseTimeout,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  summary: 'Close the period into its invoice',
});
const { closeBillingPeriod: closeBillingPeriodDefault } = wf.proxyActivities<Activities>(
  closeActivityOptions('2 minutes'),
);
const { dispatchWebhookEvents, startInvoiceCollection } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface EntityBillingInput extends TestClockInput, RunNamesInput {
  entityId: string;
  organizationId: string;
  /** Dunning schedule handed to each invoice's collection (days after the first attempt). */
  dunningDays?: number[];
  /**
   * startToClose timeout of the close activity (ms); default 2 minutes. A close whose worker died is retried only
   * after this timeout, so crash tests (and ops wanting faster failover) shorten it.
   */
  closeTimeoutMs?: number;
}

export interface EntityBillingState {
  entityId: string;
  billingPeriodId: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  phase: 'opening' | 'waiting_for_period_end' | 'closing';
}

/** Failure type of a changeAnchorDay refused because the open period is closing; the caller retries. */
export const BILLING_PERIOD_CLOSING = 'BillingPeriodClosing';

export const closeNowSignal = wf.defineSignal('closeNow');
export const changeAnchorDayUpdate = wf.defineUpdate<{ anchorDay: number; periodEnd: string }, [{ anchorDay: number }]>(
  'changeAnchorDay',
);
export const billingStateQuery = wf.defineQuery<EntityBillingState>('state');

export async function entityBillingWorkflow(input: EntityBillingInput): Promise<void> {
  const state: EntityBillingState = {
    entityId: input.entityId,
    billingPeriodId: null,
    periodStart: null,
    periodEnd: null,
    phase: 'opening',
  };
  let closeRequested = false;
  // A test clock's entity bills on the clock's time (workflowClock.ts); everyone else on wall time, as always.
  const clock = testClockOf(input);
  const now = () => (clock ? clock.now() : Date.now());
  const runName = `Billing cycle of ${tenantLabel(input.names, input.entityId)}`;
  let timeZone = 'UTC';
  wf.setCurrentDetails(runName);
  wf.setHandler(billingStateQuery, () => state);
  wf.setHandler(closeNowSignal, () => {
    closeRequested = true;
  });
  wf.setHandler(
    changeAnchorDayUpdate,
    async ({ anchorDay }) => {
      await wf.condition(() => state.phase === 'waiting_for_period_end' && state.billingPeriodId !== null);
      const result = await changeBillingAnchor({
        entityId: input.entityId,
        billingPeriodId: state.billingPeriodId!,
        anchorDay,
        at: new Date(now()).toISOString(),
      });
      // The change moves the entity's latest period, which is this run's own unless the metering path has already
      // opened the next one (the boundary passed while the close was on its way); results recorded before the
      // activity named the period always concerned this run's.
      if (result.billingPeriodId === undefined || result.billingPeriodId === state.billingPeriodId) {
        state.periodEnd = result.periodEnd;
        wf.setCurrentDetails(`${runName}, ${periodLabel(state.periodStart!, state.periodEnd, timeZone)}`);
      }
      return { anchorDay: result.anchorDay, periodEnd: result.periodEnd };
    },
    {
      validator: ({ anchorDay }) => {
        if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 31) {
          throw new Error('anchorDay must be an integer 1..31');
        }
        // Once closing, this run ends in continue-as-new without another open period: an update accepted now could
        // never finish in it. Refused (nothing in history), it is sent again and reaches the next run.
        if (state.phase === 'closing') {
          throw wf.ApplicationFailure.create({
            type: BILLING_PERIOD_CLOSING,
            message: 'the open billing period is closing; send the change again to apply it to the next one',
          });
        }
      },
    },
  );

  const period = await openNextBillingPeriod({
    entityId: input.entityId,
    at: new Date(now()).toISOString(),
    workflowId: wf.workflowInfo().workflowId,
  });
  Object.assign(state, {
    billingPeriodId: period.billingPeriodId,
    periodStart: period.periodStart,
    periodEnd: period.periodEnd,
    phase: 'waiting_for_period_end',
  });
  timeZone = period.timeZone ?? timeZone;
  wf.setCurrentDetails(`${runName}, ${periodLabel(period.periodStart, period.periodEnd, timeZone)}`);

  // The boundary can move (anchor change), so wait in steps until it is reached or a close is asked for.
  while (!closeRequested && now() < Date.parse(state.periodEnd!)) {
    const end = state.periodEnd;
    const wake = () => closeRequested || state.periodEnd !== end;
    if (clock) await clock.until(Date.parse(end!), wake);
    else await wf.condition(wake, Date.parse(end!) - Date.now());
  }
  await wf.condition(wf.allHandlersFinished);

  state.phase = 'closing';
  const closeBillingPeriod = input.closeTimeoutMs
    ? wf.proxyActivities<Activities>(closeActivityOptions(input.closeTimeoutMs)).closeBillingPeriod
    : closeBillingPeriodDefault;
  const closeAt = Math.min(now(), Date.parse(state.periodEnd!));
  const closed = await closeBillingPeriod({
    billingPeriodId: period.billingPeriodId,
    at: new Date(closeAt).toISOString(),
  });
  if (closed.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: closed.webhookEventIds });

  if (closed.invoiceId && closed.status === 'open') {
    // invoice:<invoiceId> outlives this run; a repeated start (retry, reconciliation) finds it and changes nothing.
    await startInvoiceCollection({
      invoiceId: closed.invoiceId,
      organizationId: input.organizationId,
      entityId: input.entityId,
      ...(input.dunningDays ? { dunningDays: input.dunningDays } : {}),
    });
  }

  // The next run carries the clock's time and the names (a continued run has no static summary of its own: the
  // current details say what it is).
  await wf.continueAsNew<typeof entityBillingWorkflow>(clock ? { ...input, testClock: clock.carry() } : input);
}
