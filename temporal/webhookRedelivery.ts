// Redelivers one webhook delivery (POST /api/webhooks/deliveries/{id}/redeliver). Still retrying: the signal makes
// it attempt now. Finished (delivered or dead-lettered): a new run with the same id starts (ALLOW_DUPLICATE) and
// delivers again with the same `webhook-id` header. The caller checks that the delivery belongs to its organization
// first (activities/webhooks/deliveryRecords.ts). Imports the workflow's signal definition, so only the API uses it.
import { redeliverSignal, type webhookDeliveryWorkflow } from '../workflows/webhookDeliveryWorkflow.js';
import { webhookWorkflowId } from './workflowIds.js';
import { describedStart, type StartedWorkflow, type WorkflowStarter } from './workflowStarts.js';

export async function redeliverWebhook(
  starter: WorkflowStarter,
  delivery: { id: string; organizationId: string; entityId?: string | null },
): Promise<StartedWorkflow> {
  const described = await describedStart(starter, delivery);
  const handle = await starter.temporal.workflow.signalWithStart<typeof webhookDeliveryWorkflow, []>(
    'webhookDeliveryWorkflow',
    {
      workflowId: webhookWorkflowId(delivery.id),
      ...described.options,
      args: [{ deliveryId: delivery.id, organizationId: delivery.organizationId, redelivery: true }],
      signal: redeliverSignal,
      signalArgs: [],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `Webhook delivery ${delivery.id} (redelivery) for ${described.label}`,
    },
  );
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}
