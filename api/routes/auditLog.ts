// /api/audit-log: every write the organization's keys made through the API, oldest first (cursor order), one row per
// request, with actor, before/after and request id.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { findAuditEntry, listAuditLog } from '../../activities/auditLog.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, idParam, iso, json, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const AuditEntrySchema = z
  .object({
    id: z.uuid(),
    actorType: z.enum(['api_key', 'bootstrap', 'system']).openapi({ description: 'Who wrote' }),
    actorId: z.string().nullable().openapi({ description: 'The API key id (null for the bootstrap key)' }),
    action: z.string().openapi({ example: 'entity.create' }),
    targetType: z.string().openapi({ example: 'entity' }),
    targetId: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    requestId: z.string().nullable(),
    createdAt: Timestamp,
  })
  .openapi('AuditEntry');

const tags = ['Audit log'];

const listRoute = apiRoute({
  method: 'get',
  path: '/api/audit-log',
  tags,
  summary: 'List audit log entries',
  middleware: [requireScope('admin')],
  request: {
    query: ListQuery.extend({
      action: z.string().max(100).optional().openapi({ example: 'entity.create' }),
      targetType: z.string().max(100).optional(),
      targetId: z.string().max(100).optional(),
    }),
  },
  responses: { 200: json(listSchema(AuditEntrySchema, 'AuditEntryList'), 'Audit log entries') },
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/audit-log/{auditEntryId}',
  tags,
  summary: 'Read an audit log entry',
  middleware: [requireScope('admin')],
  request: { params: idParam('auditEntryId') },
  responses: { 200: json(AuditEntrySchema, 'The entry') },
});

type Row = NonNullable<Awaited<ReturnType<typeof findAuditEntry>>>;
const present = (r: Row) => ({
  id: r.id,
  actorType: r.actorType as 'api_key' | 'bootstrap' | 'system',
  actorId: r.actorId,
  action: r.action,
  targetType: r.targetType,
  targetId: r.targetId,
  before: r.before ?? null,
  after: r.after ?? null,
  requestId: r.requestId,
  createdAt: iso(r.createdAt),
});

export function auditLogRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listAuditLog(
        c.var.db,
        c.var.auth.organizationId,
        { action: q.action, targetType: q.targetType, targetId: q.targetId },
        pageRequest(q),
      );
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const entry = await findAuditEntry(c.var.db, c.var.auth.organizationId, c.req.valid('param').auditEntryId);
      if (!entry) throw notFound('audit log entry');
      return c.json(present(entry), 200);
    });
}
