// Read side of the outbox (WebhookEvent): what metering and credits emitted, pending (not yet handed to webhook
// delivery) or dispatched. Scoped to the caller's organization.
import type { Db } from '../db.js';
import { type Page, type PageRequest, pageArgs, toPage } from '../pagination.js';

export interface OutboxFilter {
  status?: 'pending' | 'dispatched' | undefined;
  entityId?: string | undefined;
  type?: string | undefined;
}

export interface OutboxEventView {
  id: string;
  entityId: string | null;
  type: string;
  payload: unknown;
  idempotencyKey: string;
  dispatchedAt: Date | null;
  createdAt: Date;
}

export async function listOutboxEvents(
  db: Db,
  organizationId: string,
  filter: OutboxFilter,
  page: PageRequest,
): Promise<Page<OutboxEventView>> {
  const args = pageArgs(page);
  const rows = await db.webhookEvent.findMany({
    ...args,
    where: {
      ...args.where,
      organizationId,
      ...(filter.entityId ? { entityId: filter.entityId } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.status === 'pending' ? { dispatchedAt: null } : {}),
      ...(filter.status === 'dispatched' ? { dispatchedAt: { not: null } } : {}),
    },
    select: {
      id: true,
      entityId: true,
      type: true,
      payload: true,
      idempotencyKey: true,
      dispatchedAt: true,
      createdAt: true,
    },
  });
  return toPage(rows, page);
}
