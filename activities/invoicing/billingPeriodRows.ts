// The BillingPeriod rows of an entity: reading, appending and moving their ends, always under the entity's row lock
// (the same lock the metering path holds), so the period an event is counted in and the period that is closed are
// decided one at a time. The rules themselves are pure, in domain/periodTiling.ts.
import { type BillingPeriod, monthlySchedule } from '../../domain/billingPeriods.js';
import { periodsReaching, rowContaining } from '../../domain/periodTiling.js';
import type { Db, Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export interface LockedBillingEntity {
  id: string;
  organizationId: string;
  currency: string;
  timeZone: string;
  billingAnchorDay: number;
  deletedAt: Date | null;
}

/**
 * Takes the entity lock and returns the entity, or null when there is none. FOR NO KEY UPDATE, like every holder of
 * the entity lock: holders exclude each other, but a transaction that only inserts a row referencing the entity (its
 * foreign-key check takes FOR KEY SHARE) is not blocked, so a subscription renewal that holds its subscription's lock
 * and writes a fee item can never deadlock with a close that holds the entity and waits for that subscription.
 */
export async function lockEntity(tx: Tx, entityId: string): Promise<LockedBillingEntity | null> {
  const rows = await tx.$queryRaw<LockedBillingEntity[]>`
    SELECT id::text AS id, "organizationId"::text AS "organizationId", currency, "timeZone", "billingAnchorDay",
           "deletedAt"
    FROM "Entity" WHERE id = ${entityId}::uuid FOR NO KEY UPDATE`;
  return rows[0] ?? null;
}

/**
 * The entity's billing period at `at`, for reads (analytics, user limits): the row holding `at`, or, past the last
 * row, the period the row holding it will cover when it is written (the metering path and the billing workflow
 * append rows by the same rule).
 */
export async function periodAt(
  db: Db | Tx,
  entity: { id: string; billingAnchorDay: number; timeZone: string },
  at: Date,
): Promise<BillingPeriod> {
  const rows = await db.billingPeriod.findMany({
    where: { entityId: entity.id, periodStart: { lte: at } },
    orderBy: { periodStart: 'desc' },
    take: 1,
  });
  const latest = rows[0] ? { start: rows[0].periodStart, end: rows[0].periodEnd } : null;
  if (latest && rowContaining([latest], at)) return latest;
  // Past the last row: the row that will hold `at`; before the first one (or with none): the schedule's period.
  return periodsReaching(latest, at, monthlySchedule(entity)).at(-1) as BillingPeriod;
}

/** The latest event (of any status) counted in the period starting at `periodStart`, or null. */
export async function lastEventAt(tx: Tx, entityId: string, periodStart: Date): Promise<Date | null> {
  const rows = await tx.$queryRaw<Array<{ at: Date | null }>>`
    SELECT max("occurredAt") AS at FROM "MarketplaceEvent"
    WHERE "entityId" = ${entityId}::uuid AND "periodStart" = ${periodStart}`;
  return rows[0]?.at ?? null;
}

/**
 * Moves a row's end, and the end recorded on its tier counters and user spend rows (informational copies: those are
 * keyed by the period's start).
 */
export async function moveRowEnd(
  tx: Tx,
  row: { id: string; entityId: string; periodStart: Date },
  end: Date,
): Promise<void> {
  await tx.billingPeriod.update({ where: { id: row.id }, data: { periodEnd: end } });
  await tx.usageCounter.updateMany({
    where: { entityId: row.entityId, periodStart: row.periodStart },
    data: { periodEnd: end },
  });
  await tx.$executeRaw`
    UPDATE "UserSpend" s SET "periodEnd" = ${end}
    FROM "EntityUser" m
    WHERE s."entityUserId" = m.id AND m."entityId" = ${row.entityId}::uuid AND s."periodStart" = ${row.periodStart}`;
}
