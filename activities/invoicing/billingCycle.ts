// The billing cycle's periods: which period the entity's workflow waits on next, and anchor-day changes.
// DB-driven, so a restarted or continued-as-new workflow always resumes at the first period not yet closed
// (a worker that was down for weeks catches up one period at a time, each with its own invoice). Every change holds
// the entity's row lock, like the metering path, which may append rows itself (metering/eventPeriods.ts).

import { monthlySchedule } from '../../domain/billingPeriods.js';
import { endAfterAnchorChange, periodAfter, periodContaining } from '../../domain/index.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import type { Db } from '../db.js';
import { tenantDbOf } from '../tenantDb.js';
import { lastEventAt, lockEntity, moveRowEnd } from './billingPeriodRows.js';

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

/** Each activity runs as the entity's organization (tenantDb.ts). */
export function createBillingCycleActivities(processDb: Db) {
  return {
    /**
     * The entity's first period not yet closed; when every row is closed, a new row from the last one's end to the
     * next boundary (which also makes the stub after a close-now); with no rows at all, the period containing `at`.
     * Idempotent: a repeat finds the row the first call wrote.
     */
    async openNextBillingPeriod(input: { entityId: string; at: string; workflowId: string }): Promise<CyclePeriod> {
      const db = await tenantDbOf(processDb, 'entity', input.entityId);
      return db.$transaction(async (tx) => {
        const entity = await lockEntity(tx, input.entityId);
        if (!entity || entity.deletedAt) throw new BillingEntityNotFoundError(`entity ${input.entityId} not found`);
        const schedule = monthlySchedule(entity);
        let row = await tx.billingPeriod.findFirst({
          where: { entityId: entity.id, status: { not: 'closed' } },
          orderBy: { periodStart: 'asc' },
        });
        if (!row) {
          const latest = await tx.billingPeriod.findFirst({
            where: { entityId: entity.id },
            orderBy: { periodStart: 'desc' },
          });
          const period = latest
            ? periodAfter(latest.periodEnd, schedule)
            : periodContaining(new Date(input.at), schedule);
          row = await tx.billingPeriod.create({
            data: {
              entityId: entity.id,
              periodStart: period.start,
              periodEnd: period.end,
              workflowId: billingWorkflowId(entity.id),
            },
          });
        }
        return {
          billingPeriodId: row.id,
          organizationId: entity.organizationId,
          periodStart: row.periodStart.toISOString(),
          periodEnd: row.periodEnd.toISOString(),
          timeZone: entity.timeZone,
          anchorDay: entity.billingAnchorDay,
          status: row.status,
        };
      });
    },

    /**
     * Moves the entity's anchor day. The latest period, if it is still running at `at`, now ends at the new
     * schedule's first boundary after `at` (a shorter or longer period, never a gap or an overlap, never before an
     * event it already holds); later periods follow the new anchor. Returns the latest row and its end.
     */
    async changeBillingAnchor(input: {
      entityId: string;
      billingPeriodId: string;
      anchorDay: number;
      at: string;
    }): Promise<{ periodEnd: string; anchorDay: number; billingPeriodId: string | null }> {
      const db = await tenantDbOf(processDb, 'entity', input.entityId);
      return db.$transaction(async (tx) => {
        const locked = await lockEntity(tx, input.entityId);
        if (!locked) throw new BillingEntityNotFoundError(`entity ${input.entityId} not found`);
        const entity = await tx.entity.update({
          where: { id: input.entityId },
          data: { billingAnchorDay: input.anchorDay },
        });
        const latest = await tx.billingPeriod.findFirst({
          where: { entityId: entity.id },
          orderBy: { periodStart: 'desc' },
        });
        if (!latest) return { periodEnd: input.at, anchorDay: entity.billingAnchorDay, billingPeriodId: null };
        let end = latest.periodEnd;
        if (latest.status !== 'closed') {
          const moved = endAfterAnchorChange(
            { start: latest.periodStart, end: latest.periodEnd },
            new Date(input.at),
            monthlySchedule(entity),
            await lastEventAt(tx, entity.id, latest.periodStart),
          );
          if (moved && moved.getTime() !== latest.periodEnd.getTime()) {
            await moveRowEnd(tx, latest, moved);
            end = moved;
          }
        }
        return { periodEnd: end.toISOString(), anchorDay: entity.billingAnchorDay, billingPeriodId: latest.id };
      });
    },
  };
}
