// An organization's payment settings: its dunning schedule (days after an invoice's first charge attempt on which
// collection retries; read when an invoice's collection starts, so a change applies to collections started after it),
// what a downgrade's credit becomes (carried forward to the next invoice, or refunded in cash), and whether a dispute
// opened at the provider suspends the paying entity. Changes are audited.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface PaymentSettings {
  dunningDays: number[];
  downgradeCreditPolicy: 'carry_forward' | 'refund';
  suspendOnDispute: boolean;
}

export const DEFAULT_DUNNING_DAYS = [1, 3, 7];

const select = { dunningDays: true, downgradeCreditPolicy: true, suspendOnDispute: true } as const;

export async function organizationDunningDays(db: Db, organizationId: string): Promise<number[]> {
  const org = await db.organization.findUnique({ where: { id: organizationId }, select: { dunningDays: true } });
  return org?.dunningDays ?? DEFAULT_DUNNING_DAYS;
}

export async function readPaymentSettings(db: Db, organizationId: string): Promise<PaymentSettings> {
  const org = await db.organization.findFirst({ where: { id: organizationId, deletedAt: null }, select });
  if (!org) throw new ResourceNotFoundError('organization');
  return org;
}

export async function updatePaymentSettings(
  db: Db,
  actor: Actor,
  organizationId: string,
  change: Partial<PaymentSettings>,
): Promise<PaymentSettings> {
  return db.$transaction(async (tx) => {
    const before = await tx.organization.findFirst({ where: { id: organizationId, deletedAt: null }, select });
    if (!before) throw new ResourceNotFoundError('organization');
    const after = await tx.organization.update({ where: { id: organizationId }, data: change, select });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'payment_settings.update',
      targetType: 'organization',
      targetId: organizationId,
      before,
      after,
    });
    return after;
  });
}
