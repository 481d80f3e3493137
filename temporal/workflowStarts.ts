// Every start of a workflow, in one place: the API, the activities (webhook dispatch, collection after a close,
// reconciliation), the dev launcher and the simulator start workflows only through these functions. Each start uses
// the workflow's fixed id (workflowIds.ts), so starting twice, or concurrently from two processes, gives one run, and
// sets the tenant search attributes (searchAttributes.ts) unless the server has none (the time-skipping test server).
// The workflows are named by type (a string) and not imported, not even as types: the activities use this module and
// the workflows import the activities' types, so an import back would close a cycle. The argument each start passes is
// the workflow's input as its own file declares it.
import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Actor } from '../activities/auditLog.js';
import { type Tenant, tenantSearchAttributes } from './searchAttributes.js';
import {
  billingWorkflowId,
  creditGrantWorkflowId,
  invoiceWorkflowId,
  subscriptionWorkflowId,
  webhookWorkflowId,
} from './workflowIds.js';

/** What a start needs: a client, the task queue the worker polls, and whether the server knows our search attributes. */
export interface WorkflowStarter {
  temporal: Client;
  taskQueue: string;
  /** false on servers without our custom search attributes (the time-skipping test server). Default true. */
  searchAttributes?: boolean | undefined;
}

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
}

/** The options every start shares: task queue and, where the server has them, the tenant search attributes. */
export function tenantStartOptions(starter: WorkflowStarter, tenant: Tenant) {
  return {
    taskQueue: starter.taskQueue,
    ...(starter.searchAttributes === false ? {} : { typedSearchAttributes: tenantSearchAttributes(tenant) }),
  };
}

/**
 * Starts `type` with `input` unless a run with the id is running (USE_EXISTING keeps it). `reuse` says whether a
 * finished run may be followed by a new one. False when the start was refused because a finished run may not be
 * repeated. The input names the tenant, which becomes the run's search attributes.
 */
async function startOnce(
  starter: WorkflowStarter,
  type: string,
  workflowId: string,
  input: Tenant & Record<string, unknown>,
  summary: string,
  reuse: 'ALLOW_DUPLICATE' | 'REJECT_DUPLICATE',
): Promise<boolean> {
  try {
    const handle = await starter.temporal.workflow.start(type, {
      workflowId,
      ...tenantStartOptions(starter, { organizationId: input.organizationId, entityId: input.entityId }),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      staticSummary: summary,
    });
    return handle.firstExecutionRunId !== undefined;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** billing:<entityId>, by entity creation, the billing-workflow route, the dev launcher and reconciliation. */
export async function startEntityBillingWorkflow(
  starter: WorkflowStarter,
  entity: { id: string; organizationId: string },
): Promise<StartedWorkflow> {
  const handle = await starter.temporal.workflow.start('entityBillingWorkflow', {
    workflowId: billingWorkflowId(entity.id),
    ...tenantStartOptions(starter, { organizationId: entity.organizationId, entityId: entity.id }),
    args: [{ entityId: entity.id, organizationId: entity.organizationId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `Billing cycle of entity ${entity.id}`,
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

/** subscription:<id> for a subscription that exists (reconciliation); a new one is created by subscriptionCreation. */
export const startSubscriptionWorkflow = (
  starter: WorkflowStarter,
  s: { id: string; organizationId: string; entityId: string },
) =>
  startOnce(
    starter,
    'subscriptionWorkflow',
    subscriptionWorkflowId(s.id),
    { subscriptionId: s.id, organizationId: s.organizationId, entityId: s.entityId },
    `Subscription ${s.id}`,
    'ALLOW_DUPLICATE',
  );

/** The start half of the Update-with-Start that creates a subscription (the workflow writes the row). */
export function subscriptionCreation(
  starter: WorkflowStarter,
  s: {
    subscriptionId: string;
    organizationId: string;
    entityId: string;
    planId: string;
    seats: number;
    /** Who asked: the workflow's create activity audits the subscription as theirs. */
    actor?: Actor;
  },
) {
  return new WithStartWorkflowOperation('subscriptionWorkflow', {
    workflowId: subscriptionWorkflowId(s.subscriptionId),
    ...tenantStartOptions(starter, { organizationId: s.organizationId, entityId: s.entityId }),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        subscriptionId: s.subscriptionId,
        organizationId: s.organizationId,
        entityId: s.entityId,
        create: { planId: s.planId, seats: s.seats, ...(s.actor ? { actor: s.actor } : {}) },
      },
    ],
    staticSummary: `Subscription ${s.subscriptionId}: ${s.seats} seats`,
  });
}

/** credit-grant:<grantId>, after a grant with an expiry commits, and by reconciliation. */
export const startCreditGrantWorkflow = (
  starter: WorkflowStarter,
  g: { id: string; organizationId: string; entityId: string },
) =>
  startOnce(
    starter,
    'creditGrantWorkflow',
    creditGrantWorkflowId(g.id),
    { grantId: g.id, organizationId: g.organizationId, entityId: g.entityId },
    `Credit grant ${g.id} expiry`,
    'ALLOW_DUPLICATE',
  );

/** invoice:<invoiceId>: collection runs once per invoice (a finished run is never repeated). */
export const startInvoiceCollectionWorkflow = (
  starter: WorkflowStarter,
  i: { id: string; organizationId: string; entityId: string },
  dunningDays?: number[],
) =>
  startOnce(
    starter,
    'invoiceCollectionWorkflow',
    invoiceWorkflowId(i.id),
    {
      invoiceId: i.id,
      organizationId: i.organizationId,
      entityId: i.entityId,
      ...(dunningDays ? { dunningDays } : {}),
    },
    `Collection of invoice ${i.id}`,
    'REJECT_DUPLICATE',
  );

/**
 * webhook:<deliveryId> for a new delivery. A finished run (delivered or dead-lettered) is not started again:
 * redelivery is a separate, explicit request (webhookRedelivery.ts). The delivery workflow's input has no entity; the
 * search attributes do.
 */
export async function startWebhookDeliveryWorkflow(
  starter: WorkflowStarter,
  delivery: { id: string },
  tenant: { organizationId: string; entityId: string | null },
): Promise<void> {
  try {
    await starter.temporal.workflow.start('webhookDeliveryWorkflow', {
      workflowId: webhookWorkflowId(delivery.id),
      ...tenantStartOptions(starter, tenant),
      args: [{ deliveryId: delivery.id, organizationId: tenant.organizationId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Webhook delivery ${delivery.id}`,
    });
  } catch (err) {
    // Already ran (delivered or dead-lettered): nothing to do.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** replay:<jobId>: an event replay or batch import, for the job row the API just created (its workflowId). */
export async function startBillingJobWorkflow(
  starter: WorkflowStarter,
  job: { id: string; kind: string; workflowId: string; organizationId: string; entityId: string | null },
  type: 'eventReplayWorkflow' | 'batchImportWorkflow',
  arg: object,
): Promise<void> {
  await starter.temporal.workflow.start(type, {
    workflowId: job.workflowId,
    ...tenantStartOptions(starter, job),
    args: [arg],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Billing job ${job.id} (${job.kind})`,
  });
}
