// /api/users and /api/entities/{entityId}/members: people and their memberships (role, per-period credit limit in
// the entity currency, team, seat). An organization sees only its own users (those with a membership in one of its
// entities) and only its own record of each: the email and name it gave, its timestamps.
import path from 'node:path';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { DEFAULT_ARCHIVE_DIR } from '../../activities/retention/archiveFiles.js';
import { eraseUser } from '../../activities/users/eraseUser.js';
import {
  addMembership,
  createUserWithMembership,
  findMembership,
  findUser,
  findUserRecord,
  listMemberships,
  listUsers,
  removeMembership,
  type UserView,
  updateMembership,
  updateUser,
} from '../../activities/users/userRecords.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  AmountString,
  apiRoute,
  Deleted,
  EmailAddress,
  iso,
  isoOrNull,
  json,
  jsonBody,
  moneyOrNull,
  NullableTimestamp,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const Role = z.enum(['owner', 'admin', 'member', 'viewer']);

const MembershipSchema = z
  .object({
    id: z.uuid(),
    entityId: z.uuid(),
    userId: z.uuid(),
    role: Role,
    creditLimit: z.string().nullable().openapi({ description: 'Most the user may spend per period; null = no limit' }),
    currency: z.string().openapi({ description: 'The entity currency, of creditLimit' }),
    teamId: z.uuid().nullable(),
    seatAssigned: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Membership');

const UserSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The userId metered events carry' }),
    email: z.string(),
    name: z.string(),
    memberships: z
      .array(MembershipSchema)
      .openapi({ description: "Memberships in the caller organization's entities" }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    erasedAt: NullableTimestamp.openapi({
      description: 'When the person was erased (POST /api/users/{userId}/erase): email and name are pseudonyms',
    }),
  })
  .openapi('User', {
    example: {
      id: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f71',
      email: 'alice@demo.example',
      name: 'Alice Moreau',
      memberships: [],
      createdAt: '2026-01-31T23:00:00.000Z',
      updatedAt: '2026-01-31T23:00:00.000Z',
      erasedAt: null,
    },
  });

const MembershipFields = z.strictObject({
  role: Role.optional(),
  creditLimit: AmountString.nullable().optional(),
  teamId: z.uuid().nullable().optional(),
  seatAssigned: z.boolean().optional(),
});

const NewUser = z
  .strictObject({
    email: EmailAddress,
    name: z.string().min(1).max(200),
    membership: MembershipFields.extend({ entityId: z.uuid() }).openapi({ description: 'The first membership' }),
  })
  .openapi('NewUser');

const UserPatch = z
  .strictObject({ email: EmailAddress.optional(), name: z.string().min(1).max(200).optional() })
  .openapi('UserPatch', { example: { name: 'Alice Moreau' } });

const NewMembership = MembershipFields.extend({ userId: z.uuid() }).openapi('NewMembership');
const MembershipPatch = MembershipFields.openapi('MembershipPatch');

const EntityParams = z.object({ entityId: z.uuid().openapi({ param: { name: 'entityId', in: 'path' } }) });
const MemberParams = EntityParams.extend({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) });
const tags = ['Users'];

const createUserRoute = apiRoute({
  method: 'post',
  path: '/api/users',
  tags,
  summary: 'Create a user with a membership in an entity',
  description:
    'An email the organization already has is that user: the membership is added to it (409 CONFLICT if it is ' +
    'already a member of this entity; 409 USER_ERASED if the person was erased). Any other email is a new user of ' +
    'this organization, whatever other organizations know.',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewUser) },
  responses: { 201: json(UserSchema, 'Created') },
});
const listUsersRoute = apiRoute({
  method: 'get',
  path: '/api/users',
  tags,
  summary: "List the users of the organization's entities",
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ entityId: z.uuid().optional(), email: EmailAddress.optional() }) },
  responses: { 200: json(listSchema(UserSchema, 'UserList'), 'Users') },
});
const UserParams = z.object({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) });
const readUserRoute = apiRoute({
  method: 'get',
  path: '/api/users/{userId}',
  tags,
  summary: 'Read a user and their memberships',
  middleware: [requireScope('read')],
  request: { params: UserParams },
  responses: { 200: json(UserSchema, 'The user') },
});
const updateUserRoute = apiRoute({
  method: 'patch',
  path: '/api/users/{userId}',
  tags,
  summary: "Change the organization's email or name for a user",
  description: 'An erased person keeps their pseudonyms: 409 `USER_ERASED`.',
  middleware: [requireScope('admin')],
  request: { params: UserParams, body: jsonBody(UserPatch) },
  responses: { 200: json(UserSchema, 'Updated') },
});
const eraseUserRoute = apiRoute({
  method: 'post',
  path: '/api/users/{userId}/erase',
  tags,
  summary: 'Erase a person: pseudonymise their personal data everywhere the organization keeps it',
  description:
    "The organization's record of the person becomes `erased-<userId>@erased.invalid` / `Erased user`; their " +
    "events lose their properties; the organization's audit rows, webhook payloads, stored Idempotency-Key " +
    'responses, import files and other events lose every string naming them (their email anywhere in it, or exactly ' +
    'their name); archive files mentioning them are rewritten (new checksums in the archive index and manifests). ' +
    'Ids, amounts, dates and every financial record stay: invoices and the ledger do not change. Idempotent: ' +
    'erasing an erased person answers the same. Audited (`user.erase`, without the erased values). Works for ' +
    "a person no longer a member of any entity; another organization's user is 404. 409 `ARCHIVES_BUSY` while a " +
    'retention run writes the same archives (retry).',
  middleware: [requireScope('admin')],
  request: { params: UserParams },
  responses: { 200: json(UserSchema, 'Erased') },
});
const addMemberRoute = apiRoute({
  method: 'post',
  path: '/api/entities/{entityId}/members',
  tags,
  summary: 'Add a user of the organization to an entity',
  middleware: [requireScope('admin')],
  request: { params: EntityParams, body: jsonBody(NewMembership) },
  responses: { 201: json(MembershipSchema, 'Added') },
});
const listMembersRoute = apiRoute({
  method: 'get',
  path: '/api/entities/{entityId}/members',
  tags,
  summary: 'List the members of an entity',
  middleware: [requireScope('read')],
  request: { params: EntityParams, query: ListQuery },
  responses: { 200: json(listSchema(MembershipSchema, 'MembershipList'), 'Members') },
});
const readMemberRoute = apiRoute({
  method: 'get',
  path: '/api/entities/{entityId}/members/{userId}',
  tags,
  summary: 'Read a membership',
  middleware: [requireScope('read')],
  request: { params: MemberParams },
  responses: { 200: json(MembershipSchema, 'The membership') },
});
const updateMemberRoute = apiRoute({
  method: 'patch',
  path: '/api/entities/{entityId}/members/{userId}',
  tags,
  summary: 'Change role, credit limit, team or seat',
  middleware: [requireScope('admin')],
  request: { params: MemberParams, body: jsonBody(MembershipPatch) },
  responses: { 200: json(MembershipSchema, 'Updated') },
});
const removeMemberRoute = apiRoute({
  method: 'delete',
  path: '/api/entities/{entityId}/members/{userId}',
  tags,
  summary: 'Remove a user from an entity',
  middleware: [requireScope('admin')],
  request: { params: MemberParams },
  responses: { 200: json(Deleted, 'Removed') },
});

interface MembershipRow {
  id: string;
  entityId: string;
  userId: string;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  creditLimit: { toString(): string } | null;
  teamId: string | null;
  seatAssigned: boolean;
  createdAt: Date;
  updatedAt: Date;
  entity: { currency: string };
}

const presentMembership = (m: MembershipRow) => ({
  id: m.id,
  entityId: m.entityId,
  userId: m.userId,
  role: m.role,
  creditLimit: moneyOrNull(m.creditLimit, m.entity.currency),
  currency: m.entity.currency,
  teamId: m.teamId,
  seatAssigned: m.seatAssigned,
  createdAt: iso(m.createdAt),
  updatedAt: iso(m.updatedAt),
});

const presentUser = (u: UserView) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  memberships: u.memberships.map(presentMembership),
  createdAt: iso(u.createdAt),
  updatedAt: iso(u.updatedAt),
  erasedAt: isoOrNull(u.erasedAt),
});

export function userRoutes(deps: RouteDeps) {
  const archiveDir = path.resolve(deps.archiveDir ?? DEFAULT_ARCHIVE_DIR);
  return new OpenAPIHono<AuthEnv>()
    .openapi(createUserRoute, async (c) => {
      const user = await createUserWithMembership(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(presentUser(user), 201);
    })
    .openapi(listUsersRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listUsers(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entityId, email: q.email },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentUser), 200);
    })
    .openapi(readUserRoute, async (c) => {
      const user = await findUser(c.var.db, c.var.auth.organizationId, c.req.valid('param').userId);
      if (!user) throw notFound('user');
      return c.json(presentUser(user), 200);
    })
    .openapi(updateUserRoute, async (c) => {
      const user = await updateUser(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').userId,
        c.req.valid('json'),
      );
      return c.json(presentUser(user), 200);
    })
    .openapi(eraseUserRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const { userId } = c.req.valid('param');
      await eraseUser(c.var.db, archiveDir, actorOf(c), organizationId, userId);
      const user = await findUserRecord(c.var.db, organizationId, userId);
      if (!user) throw notFound('user');
      return c.json(presentUser(user), 200);
    })
    .openapi(addMemberRoute, async (c) => {
      const { entityId } = c.req.valid('param');
      const { userId, ...fields } = c.req.valid('json');
      const organizationId = c.var.auth.organizationId;
      await addMembership(c.var.db, actorOf(c), organizationId, entityId, userId, fields);
      const membership = await findMembership(c.var.db, organizationId, entityId, userId);
      if (!membership) throw notFound('membership');
      return c.json(presentMembership(membership), 201);
    })
    .openapi(listMembersRoute, async (c) => {
      const { entityId } = c.req.valid('param');
      const page = await listMemberships(
        c.var.db,
        c.var.auth.organizationId,
        entityId,
        pageRequest(c.req.valid('query')),
      );
      return c.json(listResponse(page, presentMembership), 200);
    })
    .openapi(readMemberRoute, async (c) => {
      const { entityId, userId } = c.req.valid('param');
      const membership = await findMembership(c.var.db, c.var.auth.organizationId, entityId, userId);
      if (!membership) throw notFound('membership');
      return c.json(presentMembership(membership), 200);
    })
    .openapi(updateMemberRoute, async (c) => {
      const { entityId, userId } = c.req.valid('param');
      const membership = await updateMembership(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        entityId,
        userId,
        c.req.valid('json'),
      );
      return c.json(presentMembership(membership), 200);
    })
    .openapi(removeMemberRoute, async (c) => {
      const { entityId, userId } = c.req.valid('param');
      const removed = await removeMembership(c.var.db, actorOf(c), c.var.auth.organizationId, entityId, userId);
      return c.json({ id: removed.id, object: 'membership', deleted: true as const }, 200);
    });
}
