// Hands committed outbox rows to delivery: one WebhookDelivery per subscribed, enabled endpoint (unique per event and
// endpoint), one webhook:<deliveryId> workflow per delivery (fixed id: a running one is reused, a finished one is
// never restarted here; redelivery is explicit), then marks the row dispatched. Idempotent and safe to repeat, which is
// what the API's after-commit dispatch, the workflows and the reconciliation schedule all do.
//
// Callers hand over ids of rows of any organization (the metering path commits several organizations' events in one
// flush; the reconciliation schedule lists every organization's): each row is dispatched as its own organization.
import { startWebhookDeliveryWorkflow, type WorkflowStarter } from '../../temporal/workflowStarts.js';
import type { Db } from '../db.js';
import { createTenantDescriber } from '../organizations/tenantDescription.js';
import { tenantDbOf } from '../tenantDb.js';

export interface WebhookDispatchDeps extends WorkflowStarter {
  db: Db;
}

/** `db` must be the row's organization's (tenantDb.ts). */
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

/** Dispatches each outbox row; returns the delivery ids started (or already running). */
export async function dispatchWebhookEvents(deps: WebhookDispatchDeps, webhookEventIds: string[]): Promise<string[]> {
  const started: string[] = [];
  // Callers without a describer (the API's outbox, scripts) still start deliveries named after their tenant.
  const starter = deps.describeTenant ? deps : { ...deps, describeTenant: createTenantDescriber(deps.db) };
  for (const id of webhookEventIds) {
    const db = await tenantDbOf(deps.db, 'webhook_event', id);
    const { event, deliveries } = await createDeliveries(db, id);
    if (!event) continue;
    for (const delivery of deliveries) {
      if (delivery.status === 'delivered' || delivery.status === 'dead') continue;
      await startWebhookDeliveryWorkflow(starter, delivery, event);
      started.push(delivery.id);
    }
    if (!event.dispatchedAt) {
      await db.webhookEvent.update({ where: { id: event.id }, data: { dispatchedAt: new Date() } });
    }
  }
  return started;
}
