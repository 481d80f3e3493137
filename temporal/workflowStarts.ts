// Every start of a workflow, in one place: the API, the activities (webhook dispatch, collection after a close,
// reconciliation), the dev launcher and the simulator start workflows only through these functions. Each start uses
// the workflow's fixed id (workflowIds.ts), so starting twice, or concurrently from two processes, gives one run, and
// sets the tenant search attributes (searchAttributes.ts) unless the server has none (the time-skipping test server).
// The workflows are named by type (a string) and not imported, not even as types: the activities use this module and
// the workflows import the activities' types, so an import back would close a cycle. The argument each start passes is
// the workflow's input as its own file declares it.
import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Actor } from '../activities/auditLog.js';
import { PayeeIdKey, type Tenant, tenantSearchAttributes } from './searchAttributes.js';
import {
  billingWorkflowId,
  creditGrantWorkflowId,
  invoiceWorkflowId,
  payoutWorkflowId,
  subscriptionWorkflowId,
  webhookWorkflowId,
} from './workflowIds.js';

/**
 * What the start of a tenant's workflow needs to know about the tenant: the names ops read in the Temporal UI (memo,
 * summary) and the test clock its entity is attached to, whose time the workflow then runs on.
 */
export interface TenantDescription {
  organizationName: string;
  entityName?: string | undefined;
  /** The entity's test clock and its time now; absent for every production entity. */
  testClock?: { id: string; now: string } | undefined;
}

/** Looks a tenant up (activities/organizations/tenantDescription.ts); null when it no longer exists. */
export type DescribeTenant = (tenant: Tenant) => Promise<TenantDescription | null>;

/** What a start needs: a client, the task queue the worker polls, and whether the server knows our search attributes. */
export interface WorkflowStarter {
  temporal: Client;
  taskQueue: string;
  /** false on servers without our custom search attributes (the time-skipping test server). Default true. */
  searchAttributes?: boolean | undefined;
  /**
   * Names and test clock of the tenant. Every production starter has one: without it a run has no names and an entity
   * on a test clock would run on wall time.
   */
  describeTenant?: DescribeTenant | undefined;
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

/** A tenant's start, described: the start options with the memo, and what the workflow input gains. */
export interface DescribedStart {
  options: ReturnType<typeof tenantStartOptions> & { memo?: Record<string, string> };
  /** "Acme US (org Acme)", or the ids when the tenant has no description. */
  label: string;
  /** Added to the workflow's input: the names (for its current details) and the test clock, where there are. */
  input: {
    names?: { organization: string; entity?: string };
    testClock?: { id: string; now: string };
  };
}

/**
 * The start options with the memo ops read in the Temporal UI (organization and entity ids and names), and the
 * input fields that carry the names and the test clock into the run (continue-as-new passes them on).
 */
export async function describedStart(starter: WorkflowStarter, tenant: Tenant): Promise<DescribedStart> {
  const options = tenantStartOptions(starter, tenant);
  const found = starter.describeTenant ? await starter.describeTenant(tenant) : null;
  if (!found) {
    const label = tenant.entityId ? `entity ${tenant.entityId}` : `organization ${tenant.organizationId}`;
    return { options, label, input: {} };
  }
  const memo: Record<string, string> = {
    organizationId: tenant.organizationId,
    organizationName: found.organizationName,
    ...(tenant.entityId ? { entityId: tenant.entityId } : {}),
    ...(found.entityName ? { entityName: found.entityName } : {}),
    ...(found.testClock ? { testClockId: found.testClock.id } : {}),
  };
  const label = found.entityName
    ? `${found.entityName} (org ${found.organizationName})`
    : `org ${found.organizationName}`;
  const names = { organization: found.organizationName, ...(found.entityName ? { entity: found.entityName } : {}) };
  return {
    options: { ...options, memo },
    label,
    input: { names, ...(found.testClock ? { testClock: found.testClock } : {}) },
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
  /** What the run does; " of <entity> (org <organization>)" is added. */
  summary: string,
  reuse: 'ALLOW_DUPLICATE' | 'REJECT_DUPLICATE',
): Promise<boolean> {
  const described = await describedStart(starter, { organizationId: input.organizationId, entityId: input.entityId });
  try {
    const handle = await starter.temporal.workflow.start(type, {
      workflowId,
      ...described.options,
      args: [{ ...input, ...described.input }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
      staticSummary: `${summary} of ${described.label}`,
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
  const described = await describedStart(starter, { organizationId: entity.organizationId, entityId: entity.id });
  const handle = await starter.temporal.workflow.start('entityBillingWorkflow', {
    workflowId: billingWorkflowId(entity.id),
    ...described.options,
    args: [{ entityId: entity.id, organizationId: entity.organizationId, ...described.input }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `Billing cycle of ${described.label}`,
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
export async function subscriptionCreation(
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
  const described = await describedStart(starter, { organizationId: s.organizationId, entityId: s.entityId });
  return new WithStartWorkflowOperation('subscriptionWorkflow', {
    workflowId: subscriptionWorkflowId(s.subscriptionId),
    ...described.options,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        subscriptionId: s.subscriptionId,
        organizationId: s.organizationId,
        entityId: s.entityId,
        create: { planId: s.planId, seats: s.seats, ...(s.actor ? { actor: s.actor } : {}) },
        ...described.input,
      },
    ],
    staticSummary: `Subscription ${s.subscriptionId} of ${described.label}: ${s.seats} seats`,
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
  // Deliveries are on wall time also for a test clock's entity (a receiver lives in real time): names only.
  const described = await describedStart(starter, tenant);
  try {
    await starter.temporal.workflow.start('webhookDeliveryWorkflow', {
      workflowId: webhookWorkflowId(delivery.id),
      ...described.options,
      args: [{ deliveryId: delivery.id, organizationId: tenant.organizationId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Webhook delivery ${delivery.id} for ${described.label}`,
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
  const described = await describedStart(starter, job);
  await starter.temporal.workflow.start(type, {
    workflowId: job.workflowId,
    ...described.options,
    args: [arg],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Billing job ${job.id} (${job.kind}) for ${described.label}`,
  });
}

/** The tenant's search attributes and PayeeId, where the server has ours (none on the time-skipping server). */
function payeeSearchAttributes(
  options: { typedSearchAttributes?: ReturnType<typeof tenantSearchAttributes> },
  payeeId: string,
) {
  return options.typedSearchAttributes
    ? { typedSearchAttributes: [...options.typedSearchAttributes, { key: PayeeIdKey, value: payeeId }] }
    : {};
}

/**
 * payout:<payeeId>, once a payee has money on its balance (a work payment's success) or asks to be paid now: started if
 * it is not running (a finished run, a payee gone, may be followed by a new one), with the PayeeId search attribute.
 * Payouts run on wall time: money leaves for real.
 */
export async function startPayoutWorkflow(
  starter: WorkflowStarter,
  payee: { id: string; organizationId: string },
): Promise<StartedWorkflow> {
  const described = await describedStart(starter, { organizationId: payee.organizationId });
  const options = described.options;
  const handle = await starter.temporal.workflow.start('payoutWorkflow', {
    workflowId: payoutWorkflowId(payee.id),
    ...options,
    ...payeeSearchAttributes(options, payee.id),
    args: [{ organizationId: payee.organizationId, payeeId: payee.id }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `Payouts of payee ${payee.id} of ${described.label}`,
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

/** Asks payout:<payeeId> to pay what is available now (an on_demand payee), starting it if it is not running. */
export async function signalPayNow(starter: WorkflowStarter, payee: { id: string; organizationId: string }) {
  const described = await describedStart(starter, { organizationId: payee.organizationId });
  const options = described.options;
  await starter.temporal.workflow.signalWithStart('payoutWorkflow', {
    workflowId: payoutWorkflowId(payee.id),
    ...options,
    ...payeeSearchAttributes(options, payee.id),
    args: [{ organizationId: payee.organizationId, payeeId: payee.id }],
    signal: 'payNow',
    signalArgs: [],
    staticSummary: `Payouts of payee ${payee.id} of ${described.label}`,
  });
}
