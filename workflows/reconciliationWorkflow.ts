// Run by the `reconcile` Schedule every 5 minutes: makes sure every entity, live subscription, unexpired grant and
// open invoice has its workflow and every outbox row its deliveries (activities/reconciliation/reconcile.ts).
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { reconcileWorkflows } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '4 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
  summary: 'Start missing workflows and dispatch pending outbox rows',
});

export async function reconciliationWorkflow(input: { outboxOlderThanMs?: number } = {}) {
  return reconcileWorkflows(input);
}
