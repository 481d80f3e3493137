// Reading and updating the caller's own organization (an organization only ever sees itself).
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export async function findOrganization(db: Db, id: string) {
  return db.organization.findFirst({ where: { id, deletedAt: null } });
}

export interface OrganizationPatch {
  name?: string | undefined;
  billingEmail?: string | undefined;
  domain?: string | null | undefined;
  reportingCurrency?: string | undefined;
}

export async function updateOrganization(db: Db, actor: Actor, id: string, patch: OrganizationPatch) {
  return db.$transaction(async (tx) => {
    const before = await tx.organization.findFirst({ where: { id, deletedAt: null } });
    if (!before) throw new ResourceNotFoundError('organization');
    const after = await tx.organization.update({ where: { id }, data: patch });
    await recordAudit(tx, actor, {
      organizationId: id,
      action: 'organization.update',
      targetType: 'organization',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}
