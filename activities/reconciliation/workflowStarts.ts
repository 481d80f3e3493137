// Idempotent starts of the long-lived workflows, with their fixed ids and tenant search attributes. A running
// workflow is kept (USE_EXISTING). Used by the reconciliation schedule and by workflows that start others.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { tenantSearchAttributes } from '../../workflows/searchAttributes.js';

export interface StartDeps {
  temporal: Client;
  taskQueue: string;
  /** false on servers without our custom search attributes (the time-skipping test server). */
  searchAttributes?: boolean;
}

interface Tenant {
  organizationId: string;
  entityId: string;
}

async function startOnce(
  deps: StartDeps,
  type: string,
  workflowId: string,
  arg: object,
  tenant: Tenant,
  summary: string,
  reuse: 'ALLOW_DUPLICATE' | 'REJECT_DUPLICATE',
): Promise<boolean> {
  try {
    const handle = await deps.temporal.workflow.start(type, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [arg],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      ...(deps.searchAttributes === false ? {} : { typedSearchAttributes: tenantSearchAttributes(tenant) }),
      staticSummary: summary,
    });
    return handle.firstExecutionRunId !== undefined;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

export const startBillingWorkflow = (deps: StartDeps, e: { id: string; organizationId: string }) =>
  startOnce(
    deps,
    'entityBillingWorkflow',
    `billing:${e.id}`,
    { entityId: e.id, organizationId: e.organizationId },
    { organizationId: e.organizationId, entityId: e.id },
    `Billing cycle of entity ${e.id}`,
    'ALLOW_DUPLICATE',
  );

export const startSubscriptionWorkflow = (
  deps: StartDeps,
  s: { id: string; organizationId: string; entityId: string },
) =>
  startOnce(
    deps,
    'subscriptionWorkflow',
    `subscription:${s.id}`,
    { subscriptionId: s.id, organizationId: s.organizationId, entityId: s.entityId },
    { organizationId: s.organizationId, entityId: s.entityId },
    `Subscription ${s.id}`,
    'ALLOW_DUPLICATE',
  );

export const startCreditGrantWorkflow = (
  deps: StartDeps,
  g: { id: string; organizationId: string; entityId: string },
) =>
  startOnce(
    deps,
    'creditGrantWorkflow',
    `credit-grant:${g.id}`,
    { grantId: g.id, organizationId: g.organizationId, entityId: g.entityId },
    { organizationId: g.organizationId, entityId: g.entityId },
    `Credit grant ${g.id} expiry`,
    'ALLOW_DUPLICATE',
  );

export const startInvoiceCollectionWorkflow = (
  deps: StartDeps,
  i: { id: string; organizationId: string; entityId: string },
  dunningDays?: number[],
) =>
  startOnce(
    deps,
    'invoiceCollectionWorkflow',
    `invoice:${i.id}`,
    {
      invoiceId: i.id,
      organizationId: i.organizationId,
      entityId: i.entityId,
      ...(dunningDays ? { dunningDays } : {}),
    },
    { organizationId: i.organizationId, entityId: i.entityId },
    `Collection of invoice ${i.id}`,
    'REJECT_DUPLICATE',
  );
