// Writes an outbox row (WebhookEvent) inside the caller's transaction, keyed by a deterministic idempotency key so a
// retried activity writes it once. Delivery happens after commit (dispatchWebhookEvents).
import type { Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export interface WebhookEventInput {
  organizationId: string;
  entityId?: string | null;
  type: string;
  /** e.g. "invoice.paid:<invoiceId>" */
  idempotencyKey: string;
  payload: Record<string, unknown>;
}

export async function recordWebhookEvent(tx: Tx, input: WebhookEventInput): Promise<string> {
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
