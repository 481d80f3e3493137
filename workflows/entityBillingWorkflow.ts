// billing:<entityId> — one per entity, for its whole life. Opens the entity's current billing period, sleeps to the
// period boundary in the entity's time zone (or until asked to close now), then continues as new for the next period.
//
// Closing a period into its consolidated invoice and starting collection plug in at the marked step.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { openBillingPeriod } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface EntityBillingInput {
  entityId: string;
  organizationId: string;
}

export interface EntityBillingState {
  entityId: string;
  billingPeriodId: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  phase: 'opening' | 'waiting_for_period_end' | 'closing';
}

export const billingWorkflowId = (entityId: string) => `billing:${entityId}`;

export const closeNowSignal = wf.defineSignal('closeNow');
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
  wf.setHandler(billingStateQuery, () => state);
  wf.setHandler(closeNowSignal, () => {
    closeRequested = true;
  });

  const period = await openBillingPeriod({
    entityId: input.entityId,
    at: new Date(Date.now()).toISOString(),
    workflowId: wf.workflowInfo().workflowId,
  });
  Object.assign(state, {
    billingPeriodId: period.billingPeriodId,
    periodStart: period.periodStart,
    periodEnd: period.periodEnd,
    phase: 'waiting_for_period_end',
  });

  const untilBoundary = Math.max(0, Date.parse(period.periodEnd) - Date.now());
  await wf.condition(() => closeRequested, untilBoundary);

  state.phase = 'closing';
  // Period close (invoice, collection) comes here.

  await wf.continueAsNew<typeof entityBillingWorkflow>(input);
}
