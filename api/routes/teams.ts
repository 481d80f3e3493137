// /api/teams: groups of members within an entity.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createTeam, deleteTeam, findTeam, listTeams, renameTeam } from '../../activities/teams/teamRecords.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, Deleted, idParam, iso, json, jsonBody, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const TeamSchema = z
  .object({ id: z.uuid(), entityId: z.uuid(), name: z.string(), createdAt: Timestamp, updatedAt: Timestamp })
  .openapi('Team');
const NewTeam = z.strictObject({ entityId: z.uuid(), name: z.string().min(1).max(200) }).openapi('NewTeam');
const TeamPatch = z.strictObject({ name: z.string().min(1).max(200) }).openapi('TeamPatch');

const tags = ['Teams'];
const TeamParams = idParam('teamId');

const createRoute = apiRoute({
  method: 'post',
  path: '/api/teams',
  tags,
  summary: 'Create a team in an entity',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewTeam) },
  responses: { 201: json(TeamSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: '/api/teams',
  tags,
  summary: 'List teams',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ entityId: z.uuid().optional() }) },
  responses: { 200: json(listSchema(TeamSchema, 'TeamList'), 'Teams') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/teams/{teamId}',
  tags,
  summary: 'Read a team',
  middleware: [requireScope('read')],
  request: { params: TeamParams },
  responses: { 200: json(TeamSchema, 'The team') },
});
const updateRoute = apiRoute({
  method: 'patch',
  path: '/api/teams/{teamId}',
  tags,
  summary: 'Rename a team',
  middleware: [requireScope('admin')],
  request: { params: TeamParams, body: jsonBody(TeamPatch) },
  responses: { 200: json(TeamSchema, 'Updated') },
});
const deleteRoute = apiRoute({
  method: 'delete',
  path: '/api/teams/{teamId}',
  tags,
  summary: 'Delete a team (its members stay in the entity, without a team)',
  middleware: [requireScope('admin')],
  request: { params: TeamParams },
  responses: { 200: json(Deleted, 'Deleted') },
});

type TeamRow = NonNullable<Awaited<ReturnType<typeof findTeam>>>;
const present = (t: TeamRow) => ({
  id: t.id,
  entityId: t.entityId,
  name: t.name,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});

export function teamRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const team = await createTeam(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(team), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listTeams(c.var.db, c.var.auth.organizationId, { entityId: q.entityId }, pageRequest(q));
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const team = await findTeam(c.var.db, c.var.auth.organizationId, c.req.valid('param').teamId);
      if (!team) throw notFound('team');
      return c.json(present(team), 200);
    })
    .openapi(updateRoute, async (c) => {
      const { teamId } = c.req.valid('param');
      const team = await renameTeam(c.var.db, actorOf(c), c.var.auth.organizationId, teamId, c.req.valid('json').name);
      return c.json(present(team), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const team = await deleteTeam(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('param').teamId);
      return c.json({ id: team.id, object: 'team', deleted: true as const }, 200);
    });
}
