// Users (global people, unique by email) as an organization sees them: only users with a membership in one of its
// entities exist for it. Memberships (EntityUser) carry role, per-period credit limit, team and seat.
import { type Actor, recordAudit } from '../auditLog.js';
import { lockCreditEntity } from '../credits/entityCreditState.js';
import type { Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { clearLimitMarksBelow } from './memberCreditLimit.js';

type Tx = Prisma.TransactionClient;
export type MemberRole = 'owner' | 'admin' | 'member' | 'viewer';

export interface MembershipFields {
  role?: MemberRole | undefined;
  /** Decimal string in the entity currency; null = no limit. */
  creditLimit?: string | null | undefined;
  teamId?: string | null | undefined;
  seatAssigned?: boolean | undefined;
}

const activeMembershipIn = (organizationId: string) => ({
  deletedAt: null,
  entity: { organizationId, deletedAt: null },
});

const userInOrganization = (organizationId: string) => ({
  deletedAt: null,
  memberships: { some: activeMembershipIn(organizationId) },
});

const withMemberships = (organizationId: string) => ({
  memberships: {
    where: activeMembershipIn(organizationId),
    orderBy: { id: 'asc' as const },
    include: { entity: { select: { currency: true } } },
  },
});

/**
 * The entity's row lock, taken by every membership write before anything else: metering reads the membership and
 * its credit limit under it, so an event and a membership change never interleave.
 */
async function lockEntity(tx: Tx, organizationId: string, entityId: string) {
  if (!(await lockCreditEntity(tx, organizationId, entityId))) throw new ResourceNotFoundError('entity');
}

async function assertTeamOfEntity(tx: Tx, entityId: string, teamId: string | null | undefined) {
  if (!teamId) return;
  const team = await tx.team.findFirst({ where: { id: teamId, entityId, deletedAt: null } });
  if (!team) throw new UnprocessableError('INVALID_TEAM', 'teamId is not a team of this entity', 'teamId');
}

/** Adds (or restores a removed) membership; an active one is a conflict. */
async function upsertMembership(
  tx: Tx,
  actor: Actor,
  organizationId: string,
  entityId: string,
  userId: string,
  fields: MembershipFields,
) {
  await assertTeamOfEntity(tx, entityId, fields.teamId);
  const existing = await tx.entityUser.findUnique({ where: { entityId_userId: { entityId, userId } } });
  if (existing && !existing.deletedAt) {
    throw new ResourceConflictError('CONFLICT', 'The user is already a member of this entity');
  }
  const data = {
    role: fields.role ?? 'member',
    creditLimit: fields.creditLimit ?? null,
    teamId: fields.teamId ?? null,
    seatAssigned: fields.seatAssigned ?? false,
  };
  const membership = existing
    ? await tx.entityUser.update({ where: { id: existing.id }, data: { ...data, deletedAt: null } })
    : await tx.entityUser.create({ data: { entityId, userId, ...data } });
  // A restored membership keeps its spend rows: the new limit decides which are still at their limit.
  if (existing) await clearLimitMarksBelow(tx, existing.id, data.creditLimit);
  await recordAudit(tx, actor, {
    organizationId,
    action: 'membership.create',
    targetType: 'entity_user',
    targetId: membership.id,
    before: existing,
    after: membership,
  });
  return membership;
}

export interface NewUser {
  email: string;
  name: string;
  membership: MembershipFields & { entityId: string };
}

/**
 * A user and their first membership in this organization. Users are global: an email already known (from another
 * organization) is reused as is, its name unchanged, so one organization cannot rename another's user.
 */
export async function createUserWithMembership(db: Db, actor: Actor, organizationId: string, input: NewUser) {
  return db.$transaction(async (tx) => {
    await lockEntity(tx, organizationId, input.membership.entityId);
    const email = input.email.toLowerCase();
    const user = await tx.user.upsert({ where: { email }, create: { email, name: input.name }, update: {} });
    if (user.deletedAt) throw new ResourceConflictError('CONFLICT', 'This email belongs to a deleted user');
    await upsertMembership(tx, actor, organizationId, input.membership.entityId, user.id, input.membership);
    await recordAudit(tx, actor, {
      organizationId,
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      after: user,
    });
    return tx.user.findUniqueOrThrow({ where: { id: user.id }, include: withMemberships(organizationId) });
  });
}

export async function listUsers(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined; email?: string | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.user.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        userInOrganization(organizationId),
        filter.entityId ? { memberships: { some: { entityId: filter.entityId, deletedAt: null } } } : {},
        filter.email ? { email: filter.email.toLowerCase() } : {},
      ],
    },
    include: withMemberships(organizationId),
  });
  return toPage(rows, page);
}

export async function findUser(db: Db, organizationId: string, id: string) {
  return db.user.findFirst({
    where: { id, ...userInOrganization(organizationId) },
    include: withMemberships(organizationId),
  });
}

/** Adds a user the organization already knows (a member of another of its entities) to an entity. */
export async function addMembership(
  db: Db,
  actor: Actor,
  organizationId: string,
  entityId: string,
  userId: string,
  fields: MembershipFields,
) {
  return db.$transaction(async (tx) => {
    await lockEntity(tx, organizationId, entityId);
    const user = await tx.user.findFirst({ where: { id: userId, ...userInOrganization(organizationId) } });
    if (!user) throw new ResourceNotFoundError('user');
    return upsertMembership(tx, actor, organizationId, entityId, userId, fields);
  });
}

export async function listMemberships(db: Db, organizationId: string, entityId: string, page: PageRequest) {
  const entity = await db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  const args = pageArgs(page);
  const rows = await db.entityUser.findMany({
    ...args,
    where: { AND: [args.where, { entityId, deletedAt: null }] },
    include: { entity: { select: { currency: true } } },
  });
  return toPage(rows, page);
}

async function findMembershipIn(tx: Db | Tx, organizationId: string, entityId: string, userId: string) {
  return tx.entityUser.findFirst({
    where: { entityId, userId, deletedAt: null, entity: { organizationId, deletedAt: null } },
    include: { entity: { select: { currency: true } } },
  });
}

export async function findMembership(db: Db, organizationId: string, entityId: string, userId: string) {
  return findMembershipIn(db, organizationId, entityId, userId);
}

export async function updateMembership(
  db: Db,
  actor: Actor,
  organizationId: string,
  entityId: string,
  userId: string,
  fields: MembershipFields,
) {
  return db.$transaction(async (tx) => {
    await lockEntity(tx, organizationId, entityId);
    const before = await findMembershipIn(tx, organizationId, entityId, userId);
    if (!before) throw new ResourceNotFoundError('membership');
    await assertTeamOfEntity(tx, entityId, fields.teamId);
    const after = await tx.entityUser.update({
      where: { id: before.id },
      data: {
        ...(fields.role !== undefined ? { role: fields.role } : {}),
        ...(fields.creditLimit !== undefined ? { creditLimit: fields.creditLimit } : {}),
        ...(fields.teamId !== undefined ? { teamId: fields.teamId } : {}),
        ...(fields.seatAssigned !== undefined ? { seatAssigned: fields.seatAssigned } : {}),
      },
      include: { entity: { select: { currency: true } } },
    });
    if (fields.creditLimit !== undefined) await clearLimitMarksBelow(tx, before.id, fields.creditLimit);
    await recordAudit(tx, actor, {
      organizationId,
      action: 'membership.update',
      targetType: 'entity_user',
      targetId: before.id,
      before: { ...before, entity: undefined },
      after: { ...after, entity: undefined },
    });
    return after;
  });
}

export async function removeMembership(
  db: Db,
  actor: Actor,
  organizationId: string,
  entityId: string,
  userId: string,
  now = new Date(),
) {
  return db.$transaction(async (tx) => {
    await lockEntity(tx, organizationId, entityId);
    const before = await findMembershipIn(tx, organizationId, entityId, userId);
    if (!before) throw new ResourceNotFoundError('membership');
    const after = await tx.entityUser.update({
      where: { id: before.id },
      data: { deletedAt: now, seatAssigned: false },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'membership.delete',
      targetType: 'entity_user',
      targetId: before.id,
      before: { ...before, entity: undefined },
      after,
    });
    return after;
  });
}
