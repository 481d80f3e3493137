// Seat plans: a per-seat price per month or year. The price is fixed once created (running subscriptions were
// prorated against it); retire a plan with active: false and create another.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';

export interface NewSeatPlan {
  name: string;
  interval: 'month' | 'year';
  pricePerSeat: string;
  currency: string;
  active?: boolean | undefined;
}

export async function createSeatPlan(db: Db, actor: Actor, organizationId: string, input: NewSeatPlan) {
  return db.$transaction(async (tx) => {
    const plan = await tx.seatPlan.create({ data: { organizationId, ...input } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'seat_plan.create',
      targetType: 'seat_plan',
      targetId: plan.id,
      after: plan,
    });
    return plan;
  });
}

export async function listSeatPlans(
  db: Db,
  organizationId: string,
  filter: { active?: boolean | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.seatPlan.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId, deletedAt: null },
        filter.active !== undefined ? { active: filter.active } : {},
      ],
    },
  });
  return toPage(rows, page);
}

export async function findSeatPlan(db: Db, organizationId: string, id: string) {
  return db.seatPlan.findFirst({ where: { id, organizationId, deletedAt: null } });
}

export async function updateSeatPlan(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  patch: { name?: string | undefined; active?: boolean | undefined },
) {
  return db.$transaction(async (tx) => {
    const before = await tx.seatPlan.findFirst({ where: { id, organizationId, deletedAt: null } });
    if (!before) throw new ResourceNotFoundError('seat plan');
    const after = await tx.seatPlan.update({ where: { id }, data: patch });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'seat_plan.update',
      targetType: 'seat_plan',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}

/**
 * Soft delete; refused while a subscription that is not canceled uses the plan. The plan's row lock (FOR UPDATE)
 * conflicts with the share lock a subscription insert takes on it through its foreign key: a subscription being
 * created right now is waited for and counted, not missed.
 */
export async function deleteSeatPlan(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`
      SELECT id FROM "SeatPlan" WHERE id = ${id}::uuid AND "organizationId" = ${organizationId}::uuid FOR UPDATE`;
    const before = await tx.seatPlan.findFirst({ where: { id, organizationId, deletedAt: null } });
    if (!before) throw new ResourceNotFoundError('seat plan');
    const inUse = await tx.entitySubscription.count({ where: { planId: id, status: { not: 'canceled' } } });
    if (inUse > 0) {
      throw new ResourceConflictError(
        'SEAT_PLAN_IN_USE',
        `${inUse} subscription(s) use this plan; deactivate it (active: false) or move them first`,
      );
    }
    const after = await tx.seatPlan.update({ where: { id }, data: { deletedAt: now, active: false } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'seat_plan.delete',
      targetType: 'seat_plan',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}
