// Hands committed outbox rows to delivery: one WebhookDelivery per subscribed, enabled endpoint (unique per event and
// endpoint), one webhook:<deliveryId> workflow per delivery (fixed id: a running one is reused, a finished one is
// never restarted here; redelivery is explicit), then marks the row dispatched. Idempotent and safe to repeat, which is
// what the API's after-commit dispatch, the workflows and the reconciliation schedule all do.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { tenantSearchAttributes } from '../../workflows/searchAttributes.js';
import type { Db } from '../db.js';

export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook:${deliveryId}`;

export interface WebhookDispatchDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** false on servers without our custom search attributes (the time-skipping test server). */
  searchAttributes?: boolean;
}

export async function createDeliveries(db: Db, webhookEventId: string) {
  const event = await db.webhookEvent.findUnique({ where: { id: webhookEventId } });
  if (!event) return { event: null, deliveries: [] };
  const endpoints = await db.webhookEndpoint.findMany({
    where: { organizationId: event.organizationId, deletedAt: null, enabled: true },
    select: { id: true, eventTypes: true },
  });
  const subscribed = endpoints.filter((e) => e.eventTypes.length === 0 || e.eventTypes.includes(event.type));
  if (subscribed.length > 0) {
    await db.webhookDelivery.createMany({
      data: subscribed.map((e) => ({ webhookEventId: event.id, endpointId: e.id })),
      skipDuplicates: true,
    });
  }
  const deliveries = await db.webhookDelivery.findMany({
    where: { webhookEventId: event.id },
    select: { id: true, status: true },
    orderBy: { id: 'asc' },
  });
  return { event, deliveries };
}

export async function startDeliveryWorkflow(
  deps: WebhookDispatchDeps,
  delivery: { id: string },
  tenant: { organizationId: string; entityId: string | null },
): Promise<void> {
  try {
    await deps.temporal.workflow.start('webhookDeliveryWorkflow', {
      workflowId: webhookDeliveryWorkflowId(delivery.id),
      taskQueue: deps.taskQueue,
      args: [{ deliveryId: delivery.id, organizationId: tenant.organizationId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...(deps.searchAttributes === false
        ? {}
        : {
            typedSearchAttributes: tenantSearchAttributes({
              organizationId: tenant.organizationId,
              entityId: tenant.entityId ?? undefined,
            }),
          }),
      staticSummary: `Webhook delivery ${delivery.id}`,
    });
  } catch (err) {
    // Already ran (delivered or dead-lettered): nothing to do; redelivery is a separate, explicit request.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Dispatches each outbox row; returns the delivery ids started (or already running). */
export async function dispatchWebhookEvents(deps: WebhookDispatchDeps, webhookEventIds: string[]): Promise<string[]> {
  const started: string[] = [];
  for (const id of webhookEventIds) {
    const { event, deliveries } = await createDeliveries(deps.db, id);
    if (!event) continue;
    for (const delivery of deliveries) {
      if (delivery.status === 'delivered' || delivery.status === 'dead') continue;
      await startDeliveryWorkflow(deps, delivery, event);
      started.push(delivery.id);
    }
    if (!event.dispatchedAt) {
      await deps.db.webhookEvent.update({ where: { id: event.id }, data: { dispatchedAt: new Date() } });
    }
  }
  return started;
}
