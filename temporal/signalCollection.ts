// Signals to an invoice's collection workflow (invoice:<invoiceId>) from the API, after the transaction that checked
// or recorded what they are about committed:
//   - retryPayment (POST .../retry-payment): charge now. Signal-with-start, so an open invoice whose collection never
//     started (or whose start was lost) gets one; a collection that already ended is never run twice (409).
//   - providerOutcome (a provider webhook decided a `processing` attempt): the workflow continues from it. No such
//     workflow is nothing to tell: the outcome is recorded and the next attempt re-reads the invoice.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { ResourceConflictError } from '../activities/resourceErrors.js';
import {
  type invoiceCollectionWorkflow,
  type ProviderOutcome,
  providerOutcomeSignal,
  retryPaymentSignal,
} from '../workflows/invoiceCollectionWorkflow.js';
import { tenantSearchAttributes } from './searchAttributes.js';
import { invoiceWorkflowId } from './workflowIds.js';

export interface CollectionRetry {
  invoiceId: string;
  organizationId: string;
  entityId: string;
  paymentMethod: string | undefined;
  dunningDays: number[];
}

export async function requestCollectionRetry(
  client: Client,
  taskQueue: string,
  retry: CollectionRetry,
  options: { searchAttributes?: boolean | undefined } = {},
): Promise<void> {
  try {
    await client.workflow.signalWithStart<typeof invoiceCollectionWorkflow, [{ paymentMethod?: string } | undefined]>(
      'invoiceCollectionWorkflow',
      {
        workflowId: invoiceWorkflowId(retry.invoiceId),
        taskQueue,
        args: [
          {
            invoiceId: retry.invoiceId,
            organizationId: retry.organizationId,
            entityId: retry.entityId,
            dunningDays: retry.dunningDays,
          },
        ],
        signal: retryPaymentSignal,
        signalArgs: [retry.paymentMethod ? { paymentMethod: retry.paymentMethod } : {}],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        ...(options.searchAttributes === false
          ? {}
          : {
              typedSearchAttributes: tenantSearchAttributes({
                organizationId: retry.organizationId,
                entityId: retry.entityId,
              }),
            }),
        staticSummary: `Collection of invoice ${retry.invoiceId}`,
      },
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new ResourceConflictError(
        'COLLECTION_ENDED',
        'The collection of this invoice has ended and is never rerun',
      );
    }
    throw err;
  }
}

export async function notifyProviderOutcome(
  client: Client,
  invoiceId: string,
  outcome: ProviderOutcome,
): Promise<void> {
  try {
    await client.workflow.getHandle(invoiceWorkflowId(invoiceId)).signal(providerOutcomeSignal, outcome);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
}
