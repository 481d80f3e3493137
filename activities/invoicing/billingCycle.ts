// The billing cycle's periods: which period the entity's workflow waits on next, and anchor-day changes.
// DB-driven, so a restarted or continued-as-new workflow always resumes at the first period not yet closed
// (a worker that was down for weeks catches up one period at a time, each with its own invoice).
import { periodContaining } from '../../domain/index.js';
import type { Db } from '../db.js';
import { monthlySchedule, periodStartingAt } from '../subscriptions/subscriptionPeriods.js';

export interface CyclePeriod {
  billingPeriodId: string;
  organizationId: string;
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  anchorDay: number;
  status: 'open' | 'closing' | 'closed';
}

export class BillingEntityNotFoundError extends Error {
  readonly code = 'ENTITY_NOT_FOUND';
}

export function createBillingCycleActivities(db: Db) {
  return {
    /**
     * The entity's current open period: the latest one if still open, else the one following the latest closed one
     * (from its end to the next boundary, which also makes the stub after an anchor-day change), else the period
     * containing `at`. Idempotent on (entity, period start).
     */
    async openNextBillingPeriod(input: { entityId: string; at: string; workflowId: string }): Promise<CyclePeriod> {
      const entity = await db.entity.findFirst({ where: { id: input.entityId, deletedAt: null } });
      if (!entity) throw new BillingEntityNotFoundError(`entity ${input.entityId} not found`);
      const schedule = monthlySchedule(entity);
      const latest = await db.billingPeriod.findFirst({
        where: { entityId: entity.id },
        orderBy: { periodStart: 'desc' },
      });
      let row = latest;
      if (!latest || latest.status === 'closed') {
        const period = latest
          ? periodStartingAt(latest.periodEnd, schedule)
          : periodContaining(new Date(input.at), schedule);
        row = await db.billingPeriod.upsert({
          where: { entityId_periodStart: { entityId: entity.id, periodStart: period.start } },
          create: {
            entityId: entity.id,
            periodStart: period.start,
            periodEnd: period.end,
            workflowId: input.workflowId,
          },
          update: {},
        });
      }
      return {
        billingPeriodId: row!.id,
        organizationId: entity.organizationId,
        periodStart: row!.periodStart.toISOString(),
        periodEnd: row!.periodEnd.toISOString(),
        timeZone: entity.timeZone,
        anchorDay: entity.billingAnchorDay,
        status: row!.status,
      };
    },

    /**
     * Moves the entity's anchor day. The open period now ends at the first boundary of the new schedule after `at`
     * (a shorter or longer period, never a gap or an overlap); later periods follow the new anchor.
     */
    async changeBillingAnchor(input: {
      entityId: string;
      billingPeriodId: string;
      anchorDay: number;
      at: string;
    }): Promise<{ periodEnd: string; anchorDay: number }> {
      return db.$transaction(async (tx) => {
        const entity = await tx.entity.update({
          where: { id: input.entityId },
          data: { billingAnchorDay: input.anchorDay },
        });
        const period = await tx.billingPeriod.findUnique({ where: { id: input.billingPeriodId } });
        if (period?.status !== 'open')
          return { periodEnd: period?.periodEnd.toISOString() ?? input.at, anchorDay: entity.billingAnchorDay };
        const at = new Date(Math.max(Date.parse(input.at), period.periodStart.getTime()));
        const end = periodContaining(at, monthlySchedule(entity)).end;
        const updated = await tx.billingPeriod.update({ where: { id: period.id }, data: { periodEnd: end } });
        return { periodEnd: updated.periodEnd.toISOString(), anchorDay: entity.billingAnchorDay };
      });
    },
  };
}
