// Tells an invoice's collection workflow (invoice:<invoiceId>) that the invoice was settled through the API (marked
// paid out of band, voided), after the transaction that settled it committed: the workflow stops dunning. No such
// workflow (never started, already finished) is nothing to tell. Should the signal fail, the workflow still charges
// nothing: each attempt re-reads the invoice first. Imports the workflow's signal definition, so only the API uses it.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type InvoiceSettled, invoiceSettledSignal } from '../workflows/invoiceCollectionWorkflow.js';
import { invoiceWorkflowId } from './workflowIds.js';

export async function notifyInvoiceSettled(client: Client, invoiceId: string, settled: InvoiceSettled): Promise<void> {
  try {
    await client.workflow.getHandle(invoiceWorkflowId(invoiceId)).signal(invoiceSettledSignal, settled);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
}
