// Writes an outbox row (WebhookEvent) inside the caller's transaction, keyed by a deterministic idempotency key so a
// retried activity writes it once. Delivery happens after commit (dispatchWebhookEvents). The type and its payload
// are checked at compile time against the event catalog (eventCatalog.ts), which documents them.
import type { Prisma } from '../db.js';
import type { WebhookEventType, WebhookPayload } from './eventCatalog.js';

type Tx = Prisma.TransactionClient;

export interface WebhookEventInput<T extends WebhookEventType> {
  organizationId: string;
  entityId?: string | null;
  type: T;
  /** e.g. "invoice.paid:<invoiceId>" */
  idempotencyKey: string;
  payload: WebhookPayload<T>;
}

export async function recordWebhookEvent<T extends WebhookEventType>(
  tx: Tx,
  input: WebhookEventInput<T>,
): Promise<string> {
  const row = await tx.webhookEvent.upsert({
    where: { idempotencyKey: input.idempotencyKey },
    create: {
      organizationId: input.organizationId,
      entityId: input.entityId ?? null,
      type: input.type,
      idempotencyKey: input.idempotencyKey,
      payload: input.payload as Prisma.InputJsonValue,
    },
    update: {},
    select: { id: true },
  });
  return row.id;
}

/** Outbox rows among `idempotencyKeys` not yet handed to delivery: what a retried writer must still dispatch. */
export async function undispatchedWebhookEvents(
  tx: Pick<Tx, 'webhookEvent'>,
  idempotencyKeys: string[],
): Promise<string[]> {
  if (idempotencyKeys.length === 0) return [];
  const rows = await tx.webhookEvent.findMany({
    where: { idempotencyKey: { in: idempotencyKeys }, dispatchedAt: null },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => r.id);
}
