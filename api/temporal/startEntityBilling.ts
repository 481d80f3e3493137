// Starts billing:<entityId> for an entity (called by entity creation, the billing-workflow route and reconciliation).
// Idempotent: a running workflow is reused (USE_EXISTING), so calling it twice, or concurrently, starts one run.
import type { Client } from '@temporalio/client';
import { billingWorkflowId, type entityBillingWorkflow } from '../../workflows/entityBillingWorkflow.js';
import { tenantSearchAttributes } from '../../workflows/searchAttributes.js';

export interface EntityRef {
  id: string;
  organizationId: string;
}

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
}

export async function startEntityBillingWorkflow(
  client: Client,
  taskQueue: string,
  entity: EntityRef,
  options: { searchAttributes?: boolean } = {},
): Promise<StartedWorkflow> {
  const handle = await client.workflow.start<typeof entityBillingWorkflow>('entityBillingWorkflow', {
    workflowId: billingWorkflowId(entity.id),
    taskQueue,
    args: [{ entityId: entity.id, organizationId: entity.organizationId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    ...(options.searchAttributes === false
      ? {}
      : {
          typedSearchAttributes: tenantSearchAttributes({ organizationId: entity.organizationId, entityId: entity.id }),
        }),
    staticSummary: `Billing cycle of entity ${entity.id}`,
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}
