// Activities that keep the BillingPeriod rows the entity billing workflow walks through.
import { periodContaining } from '../domain/billingPeriods.js';
import type { Db } from './db.js';

export interface OpenBillingPeriodInput {
  entityId: string;
  /** The instant whose period to open (ISO 8601); the workflow passes its own deterministic clock. */
  at: string;
  workflowId: string;
}

export interface OpenedBillingPeriod {
  billingPeriodId: string;
  organizationId: string;
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  status: 'open' | 'closing' | 'closed';
}

export class EntityNotFoundError extends Error {
  readonly code = 'ENTITY_NOT_FOUND';
}

export function createBillingPeriodActivities(db: Db) {
  return {
    /**
     * Records the entity's current billing period. Idempotent on (entity, period start): a retried or replayed call
     * returns the row the first call wrote.
     */
    async openBillingPeriod(input: OpenBillingPeriodInput): Promise<OpenedBillingPeriod> {
      const entity = await db.entity.findFirst({ where: { id: input.entityId, deletedAt: null } });
      if (!entity) throw new EntityNotFoundError(`entity ${input.entityId} not found`);
      const period = periodContaining(new Date(input.at), {
        anchorDay: entity.billingAnchorDay,
        timeZone: entity.timeZone,
        interval: 'month',
      });
      const row = await db.billingPeriod.upsert({
        where: { entityId_periodStart: { entityId: entity.id, periodStart: period.start } },
        create: {
          entityId: entity.id,
          periodStart: period.start,
          periodEnd: period.end,
          workflowId: input.workflowId,
        },
        update: {},
      });
      return {
        billingPeriodId: row.id,
        organizationId: entity.organizationId,
        periodStart: row.periodStart.toISOString(),
        periodEnd: row.periodEnd.toISOString(),
        timeZone: entity.timeZone,
        status: row.status,
      };
    },
  };
}
