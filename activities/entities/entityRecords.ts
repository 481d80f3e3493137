// Creating, listing and updating an organization's entities (billing units). Every query is scoped by organization.
// Currency, time zone and anchor day are fixed at creation: they define the billing periods already running.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface NewEntity {
  name: string;
  currency: string;
  timeZone: string;
  billingAnchorDay: number;
  overagePolicy: 'reject' | 'bill';
  lowBalanceThreshold: string;
}

export async function createEntity(db: Db, actor: Actor, organizationId: string, input: NewEntity) {
  return db.$transaction(async (tx) => {
    const org = await tx.organization.findFirst({ where: { id: organizationId, deletedAt: null } });
    if (!org) throw new ResourceNotFoundError('organization');
    const entity = await tx.entity.create({ data: { organizationId, ...input } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'entity.create',
      targetType: 'entity',
      targetId: entity.id,
      after: entity,
    });
    return entity;
  });
}

export interface EntityFilter {
  status?: 'active' | 'suspended' | undefined;
}

export async function listEntities(db: Db, organizationId: string, filter: EntityFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.entity.findMany({
    ...args,
    where: {
      AND: [args.where, { organizationId, deletedAt: null, ...(filter.status ? { status: filter.status } : {}) }],
    },
  });
  return toPage(rows, page);
}

export interface EntityPatch {
  name?: string | undefined;
  overagePolicy?: 'reject' | 'bill' | undefined;
  lowBalanceThreshold?: string | undefined;
}

export async function updateEntity(db: Db, actor: Actor, organizationId: string, id: string, patch: EntityPatch) {
  return db.$transaction(async (tx) => {
    const before = await tx.entity.findFirst({ where: { id, organizationId, deletedAt: null } });
    if (!before) throw new ResourceNotFoundError('entity');
    const after = await tx.entity.update({ where: { id }, data: patch });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'entity.update',
      targetType: 'entity',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}
