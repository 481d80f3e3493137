// Redelivers one webhook delivery (POST /api/webhooks/deliveries/{id}/redeliver). The delivery's workflow is
// webhook:<deliveryId>. Still retrying: the signal makes it attempt now. Finished (delivered or dead-lettered): a new
// run with the same id starts (ALLOW_DUPLICATE) and delivers again with the same `webhook-id` header.
// The caller checks that the delivery belongs to its organization first (activities/webhooks/deliveryRecords.ts).
import type { Client } from '@temporalio/client';
import { tenantSearchAttributes } from '../../workflows/searchAttributes.js';
import {
  redeliverSignal,
  type webhookDeliveryWorkflow,
  webhookWorkflowId,
} from '../../workflows/webhookDeliveryWorkflow.js';

export interface DeliveryRef {
  /** WebhookDelivery id. */
  id: string;
  organizationId: string;
  entityId?: string | null;
}

export async function redeliverWebhook(
  client: Client,
  taskQueue: string,
  delivery: DeliveryRef,
  options: { searchAttributes?: boolean } = {},
): Promise<{ workflowId: string; runId: string }> {
  const handle = await client.workflow.signalWithStart<typeof webhookDeliveryWorkflow, []>('webhookDeliveryWorkflow', {
    workflowId: webhookWorkflowId(delivery.id),
    taskQueue,
    args: [{ deliveryId: delivery.id, organizationId: delivery.organizationId, redelivery: true }],
    signal: redeliverSignal,
    signalArgs: [],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    ...(options.searchAttributes === false
      ? {}
      : {
          typedSearchAttributes: tenantSearchAttributes({
            organizationId: delivery.organizationId,
            entityId: delivery.entityId ?? undefined,
          }),
        }),
    staticSummary: `Webhook delivery ${delivery.id} (redelivery)`,
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}
