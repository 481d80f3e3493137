// Outbox rows (WebhookEvent) the metering and credit paths write in the transaction that caused them. Each carries a
// deterministic idempotency key behind a unique index, so a threshold crossing is emitted once however often the
// transaction is retried:
//   credits.low                 credits.low:<entityId>:<cause>          balance went from >= threshold to below it
//   credits.depleted            credits.depleted:<entityId>:<cause>     balance went from > 0 to 0
//   billing.overage             billing.overage:<entityId>:<periodStart> first event of a period billed later
//   user.credit_limit_reached   user.credit_limit_reached:<entityUserId>:<periodStart>
// <cause> is the event, ledger or transfer id whose change crossed the threshold (a crossing happens at one change).
import type { Decimal } from 'decimal.js';
import { Money } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import type { WebhookEventType } from '../webhooks/eventCatalog.js';

/** The catalog's types (webhooks/eventCatalog.ts) these rows carry; their payloads are documented there. */
export type OutboxType = Extract<
  WebhookEventType,
  'credits.low' | 'credits.depleted' | 'billing.overage' | 'user.credit_limit_reached'
>;

export interface OutboxRow {
  id: string;
  organizationId: string;
  entityId: string;
  type: OutboxType;
  payload: Record<string, unknown>;
  idempotencyKey: string;
}

export interface BalanceCrossingInput {
  organizationId: string;
  entityId: string;
  currency: string;
  threshold: Decimal;
  before: Decimal;
  after: Decimal;
  /** Unique per change: the event id, transfer key ... */
  cause: string;
  occurredAt: Date;
  details?: Record<string, unknown>;
}

/** credits.low and credits.depleted rows for one balance change (none when nothing was crossed). */
export function balanceCrossings(input: BalanceCrossingInput, newId: () => string): OutboxRow[] {
  const low =
    input.threshold.greaterThan(0) &&
    input.after.lessThan(input.threshold) &&
    input.before.greaterThanOrEqualTo(input.threshold);
  const depleted = input.after.isZero() && input.before.greaterThan(0);
  // Called for every metered event; almost every one crosses nothing.
  if (!low && !depleted) return [];
  const rows: OutboxRow[] = [];
  const money = (d: Decimal) => Money.of(d, input.currency).toString();
  const base = {
    entityId: input.entityId,
    organizationId: input.organizationId,
    currency: input.currency,
    balance: money(input.after),
    occurredAt: input.occurredAt.toISOString(),
    ...input.details,
  };
  if (low) {
    rows.push({
      id: newId(),
      organizationId: input.organizationId,
      entityId: input.entityId,
      type: 'credits.low',
      payload: { type: 'credits.low', ...base, threshold: money(input.threshold) },
      idempotencyKey: `credits.low:${input.entityId}:${input.cause}`,
    });
  }
  if (depleted) {
    rows.push({
      id: newId(),
      organizationId: input.organizationId,
      entityId: input.entityId,
      type: 'credits.depleted',
      payload: { type: 'credits.depleted', ...base },
      idempotencyKey: `credits.depleted:${input.entityId}:${input.cause}`,
    });
  }
  return rows;
}

/** Inserts outbox rows, skipping keys already emitted; returns the ids actually inserted (to hand to delivery). */
export async function insertOutboxRows(tx: Prisma.TransactionClient, rows: OutboxRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `INSERT INTO "WebhookEvent" ("id", "organizationId", "entityId", "type", "payload", "idempotencyKey")
     SELECT x.id, x."organizationId", x."entityId", x.type, x.payload, x."idempotencyKey"
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, "organizationId" uuid, "entityId" uuid, type text, payload jsonb, "idempotencyKey" text)
     ON CONFLICT ("idempotencyKey") DO NOTHING
     RETURNING id::text AS id`,
    JSON.stringify(rows),
  );
  return inserted.map((r) => r.id);
}
