// Users as an organization sees them: its own record of each person (OrganizationUser: the email and name it gave,
// its timestamps) and their memberships in its entities (EntityUser: role, per-period credit limit, team, seat). A
// user exists for an organization while it has an active membership in one of its entities.
//
// Nothing here reads another organization's records. Creating a user never looks an email up outside the caller's
// organization: an email another organization also uses gets a user of its own (a new id), so no answer, id or
// timing tells one organization that a person is known to another. The id is the User id that memberships and
// metered events name; users two organizations shared before per-organization records keep their one id.
import { type Actor, type AuditEntry, recordAudit } from '../auditLog.js';
import { lockCreditEntity } from '../credits/entityCreditState.js';
import type { Db, Prisma } from '../db.js';
import { uuidv7 } from '../metering/uuidv7.js';
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

/** The organization's records of the people it currently has (an active membership in one of its entities). */
const visibleIn = (organizationId: string) => ({
  organizationId,
  user: { memberships: { some: activeMembershipIn(organizationId) } },
});

const withMemberships = (organizationId: string) => ({
  user: {
    select: {
      memberships: {
        where: activeMembershipIn(organizationId),
        orderBy: { id: 'asc' as const },
        include: { entity: { select: { currency: true } } },
      },
    },
  },
});

/**
 * The entity's row lock, taken by every membership write before anything else: metering reads the membership and
 * its credit limit under it, so an event and a membership change never interleave.
 */
async function lockEntity(tx: Tx, organizationId: string, entityId: string) {
  if (!(await lockCreditEntity(tx, organizationId, entityId))) throw new ResourceNotFoundError('entity');
}

type ProfileRow = Prisma.OrganizationUserGetPayload<{ include: ReturnType<typeof withMemberships> }>;

/** A user as the organization sees it: its record of the person plus their memberships in its entities. */
const userView = (p: ProfileRow) => ({
  id: p.userId,
  email: p.email,
  name: p.name,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  /** Set once the person was erased: email and name are pseudonyms. */
  erasedAt: p.erasedAt,
  memberships: p.user.memberships,
});
export type UserView = ReturnType<typeof userView>;

/** What the audit log keeps of a user: the organization's own record, never the shared identity row. */
const auditView = (p: { userId: string; email: string; name: string; createdAt: Date; updatedAt: Date }) => ({
  id: p.userId,
  email: p.email,
  name: p.name,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

/** The organization's record of the user even without a membership left (an erased or removed person). */
export async function findUserRecord(db: Db, organizationId: string, userId: string): Promise<UserView | null> {
  const row = await db.organizationUser.findUnique({
    where: { organizationId_userId: { organizationId, userId } },
    include: withMemberships(organizationId),
  });
  return row ? userView(row) : null;
}

/** An erased person's record keeps its pseudonyms: it is not changed, nor created again by its (pseudonym) email. */
function refuseErased(record: { erasedAt: Date | null }) {
  if (record.erasedAt) {
    throw new ResourceConflictError('USER_ERASED', 'the person was erased; their record can no longer be changed');
  }
}

async function findUserIn(tx: Db | Tx, organizationId: string, userId: string): Promise<UserView | null> {
  const row = await tx.organizationUser.findFirst({
    where: { userId, ...visibleIn(organizationId) },
    include: withMemberships(organizationId),
  });
  return row ? userView(row) : null;
}

async function assertTeamOfEntity(tx: Tx, entityId: string, teamId: string | null | undefined) {
  if (!teamId) return;
  const team = await tx.team.findFirst({ where: { id: teamId, entityId, deletedAt: null } });
  if (!team) throw new UnprocessableError('INVALID_TEAM', 'teamId is not a team of this entity', 'teamId');
}

/** Adds (or restores a removed) membership; an active one is a conflict. */
async function upsertMembership(tx: Tx, entityId: string, userId: string, fields: MembershipFields) {
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
  return { membership, existing };
}

const membershipAudit = (
  organizationId: string,
  existing: { id: string } | null,
  membership: { id: string },
): AuditEntry => ({
  organizationId,
  action: 'membership.create',
  targetType: 'entity_user',
  targetId: membership.id,
  before: existing,
  after: membership,
});

export interface NewUser {
  email: string;
  name: string;
  membership: MembershipFields & { entityId: string };
}

/**
 * A user and their first membership. The organization's own users are the only ones looked at: an email it already
 * has is that user (a membership in another of its entities; 409 if already a member of this one), and one it had
 * removed from all its entities is created again with the name sent. Any other email is a new user.
 */
export async function createUserWithMembership(
  db: Db,
  actor: Actor,
  organizationId: string,
  input: NewUser,
): Promise<UserView> {
  return db.$transaction(async (tx) => {
    await lockEntity(tx, organizationId, input.membership.entityId);
    const email = input.email.toLowerCase();
    const known = await tx.organizationUser.findUnique({ where: { organizationId_email: { organizationId, email } } });
    let userId: string;
    // What this request did to the organization's record of the user, if anything (audited with the membership).
    let userChange: { before: unknown; after: unknown } | null = null;
    if (!known) {
      // Inserted without RETURNING (createMany): a new User row is no organization's until its OrganizationUser row
      // exists, so row-level security would refuse to read it back (prisma/migrations/*_row_level_security).
      userId = uuidv7();
      await tx.user.createMany({ data: [{ id: userId }] });
      const created = await tx.organizationUser.create({
        data: { organizationId, userId, email, name: input.name },
      });
      userChange = { before: null, after: auditView(created) };
    } else {
      refuseErased(known);
      userId = known.userId;
      if (!(await findUserIn(tx, organizationId, userId))) {
        const renewed = await tx.organizationUser.update({
          where: { organizationId_userId: { organizationId, userId } },
          data: { name: input.name },
        });
        userChange = { before: auditView(known), after: auditView(renewed) };
      }
    }
    const { membership, existing } = await upsertMembership(tx, input.membership.entityId, userId, input.membership);
    // One row for the request: a new (or returning) user with the membership, or the membership alone.
    await recordAudit(
      tx,
      actor,
      userChange
        ? {
            organizationId,
            action: 'user.create',
            targetType: 'user',
            targetId: userId,
            before: userChange.before,
            after: { ...(userChange.after as object), membership },
          }
        : membershipAudit(organizationId, existing, membership),
    );
    return (await findUserIn(tx, organizationId, userId)) as UserView;
  });
}

export async function listUsers(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined; email?: string | undefined },
  page: PageRequest,
): Promise<{ items: UserView[]; hasMore: boolean }> {
  // By user id, the cursor the API hands out (pageArgs pages by a row's own id; these rows are keyed by the pair).
  const rows = await db.organizationUser.findMany({
    where: {
      AND: [
        page.startingAfter ? { userId: { gt: page.startingAfter } } : {},
        visibleIn(organizationId),
        // Only this organization's entities: a membership elsewhere is not the caller's to filter on.
        filter.entityId
          ? { user: { memberships: { some: { entityId: filter.entityId, ...activeMembershipIn(organizationId) } } } }
          : {},
        filter.email ? { email: filter.email.toLowerCase() } : {},
      ],
    },
    orderBy: { userId: 'asc' },
    take: page.limit + 1,
    include: withMemberships(organizationId),
  });
  return toPage(rows.map(userView), page);
}

export async function findUser(db: Db, organizationId: string, id: string): Promise<UserView | null> {
  return findUserIn(db, organizationId, id);
}

export interface UserPatch {
  email?: string | undefined;
  name?: string | undefined;
}

/** Changes the organization's own record of the user (another organization's, if any, is not touched). */
export async function updateUser(
  db: Db,
  actor: Actor,
  organizationId: string,
  userId: string,
  patch: UserPatch,
): Promise<UserView> {
  return db.$transaction(async (tx) => {
    if (!(await findUserIn(tx, organizationId, userId))) throw new ResourceNotFoundError('user');
    const key = { organizationId_userId: { organizationId, userId } };
    const before = await tx.organizationUser.findUniqueOrThrow({ where: key });
    refuseErased(before);
    const after = await tx.organizationUser.update({
      where: key,
      data: {
        ...(patch.email !== undefined ? { email: patch.email.toLowerCase() } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'user.update',
      targetType: 'user',
      targetId: userId,
      before: auditView(before),
      after: auditView(after),
    });
    return (await findUserIn(tx, organizationId, userId)) as UserView;
  });
}

/** Adds a user the organization already has (a member of another of its entities) to an entity. */
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
    if (!(await findUserIn(tx, organizationId, userId))) throw new ResourceNotFoundError('user');
    const { membership, existing } = await upsertMembership(tx, entityId, userId, fields);
    await recordAudit(tx, actor, membershipAudit(organizationId, existing, membership));
    return membership;
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
