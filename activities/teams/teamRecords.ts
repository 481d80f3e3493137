// Teams within an entity. A team belongs to the organization through its entity, so every query joins on it.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

const inOrganization = (organizationId: string) => ({ deletedAt: null, entity: { organizationId, deletedAt: null } });

export async function createTeam(
  db: Db,
  actor: Actor,
  organizationId: string,
  input: { entityId: string; name: string },
) {
  return db.$transaction(async (tx) => {
    const entity = await tx.entity.findFirst({ where: { id: input.entityId, organizationId, deletedAt: null } });
    if (!entity) throw new ResourceNotFoundError('entity');
    const team = await tx.team.create({ data: { entityId: entity.id, name: input.name } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'team.create',
      targetType: 'team',
      targetId: team.id,
      after: team,
    });
    return team;
  });
}

export async function listTeams(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.team.findMany({
    ...args,
    where: { AND: [args.where, inOrganization(organizationId), filter.entityId ? { entityId: filter.entityId } : {}] },
  });
  return toPage(rows, page);
}

export async function findTeam(db: Db | Prisma.TransactionClient, organizationId: string, id: string) {
  return db.team.findFirst({ where: { id, ...inOrganization(organizationId) } });
}

export async function renameTeam(db: Db, actor: Actor, organizationId: string, id: string, name: string) {
  return db.$transaction(async (tx) => {
    const before = await findTeam(tx, organizationId, id);
    if (!before) throw new ResourceNotFoundError('team');
    const after = await tx.team.update({ where: { id }, data: { name } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'team.update',
      targetType: 'team',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}

/** Soft delete; its members stay in the entity, without a team. */
export async function deleteTeam(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction(async (tx) => {
    const before = await findTeam(tx, organizationId, id);
    if (!before) throw new ResourceNotFoundError('team');
    await tx.entityUser.updateMany({ where: { teamId: id }, data: { teamId: null } });
    const after = await tx.team.update({ where: { id }, data: { deletedAt: now } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'team.delete',
      targetType: 'team',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}
