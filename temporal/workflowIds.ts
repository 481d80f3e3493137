// The fixed workflow ids. A fixed id per thing makes every start idempotent (a second start finds the first run) and
// lets anyone who knows the thing find its workflow without a lookup. Pure and free of imports, so any layer may use it.

/** The entity's billing cycle (entityBillingWorkflow); also recorded on each of the entity's BillingPeriod rows. */
export const billingWorkflowId = (entityId: string) => `billing:${entityId}`;

/** A seat subscription's lifecycle (subscriptionWorkflow). */
export const subscriptionWorkflowId = (subscriptionId: string) => `subscription:${subscriptionId}`;

/** An invoice's collection and dunning (invoiceCollectionWorkflow). */
export const invoiceWorkflowId = (invoiceId: string) => `invoice:${invoiceId}`;

/** A payee's payouts: security hold, schedule, provider retries (payoutWorkflow). */
export const payoutWorkflowId = (payeeId: string) => `payout:${payeeId}`;

/** A credit grant's notice and expiry timers (creditGrantWorkflow). */
export const creditGrantWorkflowId = (grantId: string) => `credit-grant:${grantId}`;

/** One webhook delivery: one event to one endpoint (webhookDeliveryWorkflow). */
export const webhookWorkflowId = (deliveryId: string) => `webhook:${deliveryId}`;

/** A billing job: an event replay or a batch import (the row's `kind` tells them apart). */
export const billingJobWorkflowId = (jobId: string) => `replay:${jobId}`;

/** The reconciliation Schedule and the id of the runs it starts. */
export const RECONCILE_SCHEDULE_ID = 'reconcile';
export const RECONCILE_RUN_WORKFLOW_ID = 'reconcile-run';

/** The advance of a test clock in progress (testClockAdvanceWorkflow); one at a time per clock. */
export const testClockAdvanceWorkflowId = (testClockId: string) => `test-clock:${testClockId}`;
/** The retention Schedule (daily archiving and deletion of expired rows) and the id of the runs it starts. */
export const RETENTION_SCHEDULE_ID = 'retention';
export const RETENTION_RUN_WORKFLOW_ID = 'retention-run';
