// Webhook deliveries as the API lists them: scoped to the organization through their endpoint.
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'dead';

export interface DeliveryFilter {
  endpointId?: string | undefined;
  webhookEventId?: string | undefined;
  status?: DeliveryStatus | undefined;
}

const include = { event: { select: { type: true, entityId: true } } };

export async function listWebhookDeliveries(db: Db, organizationId: string, filter: DeliveryFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.webhookDelivery.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { endpoint: { organizationId } },
        filter.endpointId ? { endpointId: filter.endpointId } : {},
        filter.webhookEventId ? { webhookEventId: filter.webhookEventId } : {},
        filter.status ? { status: filter.status } : {},
      ],
    },
    include,
  });
  return toPage(rows, page);
}

export async function findWebhookDelivery(db: Db, organizationId: string, id: string) {
  return db.webhookDelivery.findFirst({
    where: { id, endpoint: { organizationId } },
    include: { ...include, attempts: { orderBy: { attemptNumber: 'asc' } } },
  });
}
