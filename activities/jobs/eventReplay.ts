// Re-rating an entity's accepted events over [from, to) with the CURRENT price book, after a price change. Each
// event is rated the way the metering path rates it (EventPricer: the entity's overrides over the organization's
// active price books; incremental against the period's counter) at the tier position it was rated at
// (MarketplaceEvent.usageBefore: the period's quantity before it, in the order events were rated, whatever their
// occurredAt), so a re-rating with unchanged prices changes nothing.
// The difference to what the event was charged so far (its ratedAmount plus earlier replay adjustments of it) becomes
// one pending InvoiceItem of kind `adjustment`, key `replay:<jobId>:<eventId>`, metadata.jobId the job, billed on the
// entity's next invoice (one line per job and event type there, see invoicing/closeBillingPeriod.ts). The job's own
// adjustments (a retried chunk) are recognised by metadata.jobId, which every replay adjustment has carried since
// replays exist; the idempotency key is only for uniqueness.
// Events, the ledger, counters and issued invoices are never changed. Chunks go by id cursor; each chunk writes its
// adjustments and the job's progress in one transaction, and a retried chunk inserts nothing twice (unique key).
// Events the retention run archived cannot be re-rated (only their totals are left): a range reaching them is refused
// when the job is asked for (EVENTS_ARCHIVED), not answered with the live part only.
import type { EventPricer } from '../../domain/eventPricer.js';
import { Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { loadEntityPricer } from '../priceBooks/entityPricer.js';
import { UnprocessableError } from '../resourceErrors.js';
import { tenantDbOf } from '../tenantDb.js';

export interface ReplayProgress {
  processed: number;
  total: number;
  adjustments: number;
  /** Sum of the adjustments written (decimal string, the entity's currency). */
  adjustedAmount: string;
  /** Events that could not be rated with the current prices (e.g. their price was removed). */
  skipped: number;
  currency: string;
  status: 'running' | 'completed' | 'canceled' | 'failed';
}

export interface ReplayRange {
  jobId: string;
  entityId: string;
  from: string;
  to: string;
}

interface ChunkRow {
  id: string;
  eventType: string;
  quantity: string;
  charged: string;
  alreadyUsed: string;
  periodStart: Date;
}

/** Refuses a replay over [from, to) when the retention run archived events of the entity in it. */
export async function refuseArchivedReplayRange(
  db: Db,
  organizationId: string,
  entityId: string,
  from: Date,
  to: Date,
): Promise<void> {
  const archived = await db.archivedUsage.findFirst({
    // Another organization's entity has nothing here: the job creation answers it 404 as for any unknown entity.
    where: { entityId, entity: { organizationId }, firstOccurredAt: { lt: to }, lastOccurredAt: { gte: from } },
    orderBy: { lastOccurredAt: 'desc' },
    select: { lastOccurredAt: true },
  });
  if (archived) {
    throw new UnprocessableError(
      'EVENTS_ARCHIVED',
      `events up to ${archived.lastOccurredAt.toISOString()} in this range were archived under the retention policy ` +
        'and cannot be re-rated; start the range after them',
      'from',
    );
  }
}

/** The entity's current pricer, uncached (the metering cache may hold prices up to 5 s old). */
async function currentPricer(db: Db, entityId: string): Promise<{ pricer: EventPricer; currency: string }> {
  const entity = await db.entity.findUniqueOrThrow({
    where: { id: entityId },
    select: { id: true, organizationId: true, currency: true },
  });
  return { pricer: await loadEntityPricer(db, entity), currency: entity.currency };
}

/** Each activity runs as the organization of the entity it re-rates, which is the job's (tenantDb.ts). */
export function createEventReplayActivities(processDb: Db) {
  return {
    /** Marks the job running and counts the events in range. */
    async startEventReplay(input: ReplayRange): Promise<ReplayProgress> {
      const db = await tenantDbOf(processDb, 'entity', input.entityId);
      const [total, entity] = await Promise.all([
        db.marketplaceEvent.count({
          where: {
            entityId: input.entityId,
            status: 'accepted',
            occurredAt: { gte: new Date(input.from), lt: new Date(input.to) },
          },
        }),
        db.entity.findUniqueOrThrow({ where: { id: input.entityId }, select: { currency: true } }),
      ]);
      const progress: ReplayProgress = {
        processed: 0,
        total,
        adjustments: 0,
        adjustedAmount: Money.zero(entity.currency).toString(),
        skipped: 0,
        currency: entity.currency,
        status: 'running',
      };
      await db.billingJob.updateMany({
        where: { id: input.jobId, status: { in: ['pending', 'running'] } },
        data: { status: 'running', progress: { ...progress } },
      });
      return progress;
    },

    /** Re-rates the next chunk after `after` (an event id); returns the progress including it. */
    async reRateEventChunk(
      input: ReplayRange & { after: string | null; limit: number; progress: ReplayProgress },
    ): Promise<{ progress: ReplayProgress; lastId: string | null; done: boolean }> {
      const db = await tenantDbOf(processDb, 'entity', input.entityId);
      const { pricer, currency } = await currentPricer(db, input.entityId);
      const after = input.after ?? '00000000-0000-0000-0000-000000000000';
      const rows = await db.$queryRaw<ChunkRow[]>`
        SELECT e.id::text AS id, e."eventType", e.quantity::text AS quantity, e."periodStart",
               (e."ratedAmount" + COALESCE((
                  SELECT sum(i.amount) FROM "InvoiceItem" i
                  WHERE i."eventId" = e.id AND i.kind = 'adjustment'
                    AND (i.metadata->>'jobId') IS DISTINCT FROM ${input.jobId}), 0))::text AS charged,
               COALESCE(e."usageBefore", 0)::text AS "alreadyUsed"
        FROM "MarketplaceEvent" e
        WHERE e."entityId" = ${input.entityId}::uuid AND e.status = 'accepted'
          AND e."occurredAt" >= ${new Date(input.from)} AND e."occurredAt" < ${new Date(input.to)}
          AND e.id > ${after}::uuid
        ORDER BY e.id
        LIMIT ${input.limit}`;

      let adjustments = 0;
      let adjusted = Money.of(input.progress.adjustedAmount, currency);
      let skipped = 0;
      const items: Array<{
        entityId: string;
        eventId: string;
        kind: 'adjustment';
        description: string;
        quantity: string;
        amount: string;
        currency: string;
        idempotencyKey: string;
        metadata: { jobId: string; eventType: string; previous: string; current: string };
      }> = [];
      for (const row of rows) {
        let current: Money;
        try {
          current = pricer.rate(row.eventType, row.quantity, row.alreadyUsed).amount;
        } catch {
          skipped += 1;
          continue;
        }
        const charged = Money.of(row.charged, currency);
        const diff = current.subtract(charged);
        if (diff.isZero()) continue;
        adjustments += 1;
        adjusted = adjusted.add(diff);
        items.push({
          entityId: input.entityId,
          eventId: row.id,
          kind: 'adjustment',
          description: `Re-rated ${row.eventType} event ${row.id}`,
          quantity: row.quantity,
          amount: diff.toString(),
          currency,
          idempotencyKey: `replay:${input.jobId}:${row.id}`,
          metadata: {
            jobId: input.jobId,
            eventType: row.eventType,
            previous: charged.toString(),
            current: current.toString(),
          },
        });
      }
      const progress: ReplayProgress = {
        ...input.progress,
        processed: input.progress.processed + rows.length,
        adjustments: input.progress.adjustments + adjustments,
        adjustedAmount: adjusted.toString(),
        skipped: input.progress.skipped + skipped,
      };
      await db.$transaction(async (tx) => {
        if (items.length > 0) await tx.invoiceItem.createMany({ data: items, skipDuplicates: true });
        await tx.billingJob.updateMany({
          where: { id: input.jobId, status: 'running' },
          data: { progress: { ...progress } },
        });
      });
      return { progress, lastId: rows.at(-1)?.id ?? input.after, done: rows.length < input.limit };
    },
  };
}
