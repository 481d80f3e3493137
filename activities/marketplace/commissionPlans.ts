// Commission plans of an organization, validated on write by the domain (domain/commissionPlans.ts: 422
// INVALID_COMMISSION_PLAN names what is wrong) and stored as the normalised definition. A plan is fixed once written:
// work payments name the plan they were charged under.
import { type CommissionPlanDefinition, parseCommissionPlan } from '../../domain/commissionPlans.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';

export async function createCommissionPlan(
  db: Db,
  actor: Actor,
  organizationId: string,
  input: { name: string; definition: unknown },
) {
  const plan = parseCommissionPlan(input.definition);
  return db.$transaction(async (tx) => {
    const row = await tx.commissionPlan.create({
      data: {
        organizationId,
        name: input.name,
        currency: plan.currency,
        definition: plan.definition as unknown as Prisma.InputJsonValue,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'commission_plan.create',
      targetType: 'commission_plan',
      targetId: row.id,
      after: row,
    });
    return row;
  });
}

export async function listCommissionPlans(db: Db, organizationId: string, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.commissionPlan.findMany({ ...args, where: { AND: [args.where, { organizationId }] } });
  return toPage(rows, page);
}

export async function findCommissionPlan(db: Db, organizationId: string, id: string) {
  return db.commissionPlan.findFirst({ where: { id, organizationId } });
}

export const planDefinition = (row: { definition: unknown }) => row.definition as CommissionPlanDefinition;
