// The workflow bundle's entry point: every workflow type the worker runs.

export { batchImportWorkflow } from './batchImportWorkflow.js';
export { creditGrantWorkflow } from './creditGrantWorkflow.js';
export { entityBillingWorkflow } from './entityBillingWorkflow.js';
export { eventReplayWorkflow } from './eventReplayWorkflow.js';
export { invoiceCollectionWorkflow } from './invoiceCollectionWorkflow.js';
export { payoutWorkflow } from './payoutWorkflow.js';
export { reconciliationWorkflow } from './reconciliationWorkflow.js';
export { retentionWorkflow } from './retentionWorkflow.js';
export { subscriptionWorkflow } from './subscriptionWorkflow.js';
export { testClockAdvanceWorkflow } from './testClockAdvanceWorkflow.js';
export { webhookDeliveryWorkflow } from './webhookDeliveryWorkflow.js';
