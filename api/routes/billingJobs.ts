// /api/billing/jobs: long-running billing jobs, each run by its workflow replay:<jobId>. Event replays re-rate an
// entity's events over a range with the current prices (differences become adjustment items on the next invoice);
// imports ingest a posted event file (up to MAX_IMPORT_EVENTS events) through the metering path. Reading a running
// job asks its workflow for live progress; cancel stops it after the chunk in flight.

import { OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { recordAuditNow } from '../../activities/auditLog.js';
import type { Db } from '../../activities/db.js';
import { MAX_IMPORT_EVENTS } from '../../activities/jobs/batchImport.js';
import {
  type BillingJobRow,
  createBillingJob,
  failBillingJob,
  findBillingJob,
  listBillingJobs,
} from '../../activities/jobs/billingJobRecords.js';
import { refuseArchivedReplayRange } from '../../activities/jobs/eventReplay.js';
import { MAX_BATCH_SIZE } from '../../activities/metering/ingestEvents.js';
import { startBillingJobWorkflow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  apiRoute,
  idParam,
  iso,
  isoDateTime,
  isoOrNull,
  json,
  jsonBody,
  NullableTimestamp,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const Kind = z.enum(['event_replay', 'batch_import']);
const Status = z.enum(['pending', 'running', 'completed', 'failed', 'canceled']);

const BillingJob = z
  .object({
    id: z.uuid(),
    kind: Kind,
    status: Status,
    entityId: z.uuid().nullable(),
    workflowId: z.string(),
    progress: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({
        description:
          'replay: {processed, total, adjustments, adjustedAmount, currency, skipped, status}; ' +
          'import: {processed, total, accepted, rejected, invalid, status}. Live from the workflow while running.',
      }),
    error: z.string().nullable(),
    createdAt: Timestamp,
    finishedAt: NullableTimestamp,
  })
  .openapi('BillingJob');

const NewReplay = z
  .strictObject({
    entityId: z.uuid(),
    from: isoDateTime({ offset: true }),
    to: isoDateTime({ offset: true }),
  })
  .openapi('NewEventReplay', { description: '`to` must be after `from` (422 INVALID_RANGE otherwise)' });

const ImportEvent = z.strictObject({
  entityId: z.uuid(),
  userId: z.uuid(),
  eventType: z.string().min(1).max(200),
  quantity: z.union([z.number().int(), z.string()]).default(1),
  occurredAt: isoDateTime({ offset: true }),
  idempotencyKey: z.string().min(1).max(255),
  properties: z.record(z.string(), z.unknown()).default({}),
});

const NewImport = z
  .strictObject({ events: z.array(ImportEvent).min(1).max(MAX_IMPORT_EVENTS) })
  .openapi('NewBatchImport', {
    description: `Up to ${MAX_IMPORT_EVENTS} events, ingested in chunks (at most ${MAX_BATCH_SIZE} per chunk) exactly as POST /api/billing/events would`,
  });

const tags = ['Billing jobs'];
const base = '/api/billing/jobs';
const JobParams = idParam('jobId');

const replayRoute = apiRoute({
  method: 'post',
  path: `${base}/replays`,
  tags,
  summary: "Re-rate an entity's events over a range with the current prices (as adjustments)",
  description:
    'A range that reaches events the retention run archived is refused with 422 `EVENTS_ARCHIVED` (only their ' +
    'totals are kept, which cannot be re-rated).',
  middleware: [requireScope('admin')],
  request: {
    body: jsonBody(NewReplay, {
      entityId: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70',
      from: '2027-03-01T00:00:00Z',
      to: '2027-04-01T00:00:00Z',
    }),
  },
  responses: { 202: json(BillingJob, 'Started') },
});
const importRoute = apiRoute({
  method: 'post',
  path: `${base}/imports`,
  tags,
  summary: 'Import an event file through the metering path',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewImport) },
  responses: { 202: json(BillingJob, 'Started') },
});
const listRoute = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: 'List billing jobs',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ kind: Kind.optional(), status: Status.optional() }) },
  responses: { 200: json(listSchema(BillingJob, 'BillingJobList'), 'Billing jobs') },
});
const readRoute = apiRoute({
  method: 'get',
  path: `${base}/{jobId}`,
  tags,
  summary: 'Read a billing job with its progress',
  middleware: [requireScope('read')],
  request: { params: JobParams },
  responses: { 200: json(BillingJob, 'The job') },
});
const cancelRoute = apiRoute({
  method: 'post',
  path: `${base}/{jobId}/cancel`,
  tags,
  summary: 'Cancel a running job (it stops after the chunk in flight)',
  middleware: [requireScope('admin')],
  request: { params: JobParams },
  responses: { 202: json(BillingJob, 'Cancellation requested') },
});

const present = (j: BillingJobRow, live?: Record<string, unknown> | null) => ({
  id: j.id,
  kind: j.kind as z.infer<typeof Kind>,
  status: j.status as z.infer<typeof Status>,
  entityId: j.entityId,
  workflowId: j.workflowId,
  progress: live ?? ((j.progress as Record<string, unknown> | null) || null),
  error: j.error,
  createdAt: iso(j.createdAt),
  finishedAt: isoOrNull(j.finishedAt),
});

export function billingJobRoutes(deps: RouteDeps) {
  const start = async (
    db: Db,
    job: BillingJobRow,
    type: 'eventReplayWorkflow' | 'batchImportWorkflow',
    arg: object,
  ) => {
    try {
      await startBillingJobWorkflow(deps, job, type, arg);
    } catch (err) {
      deps.log.error({ err, jobId: job.id }, 'billing job workflow start failed');
      await failBillingJob(db, job.id, 'the job workflow could not be started');
      throw new ProblemError(503, 'TEMPORAL_UNAVAILABLE', 'Job not started', 'The workflow service is unavailable');
    }
  };

  return new OpenAPIHono<AuthEnv>()
    .openapi(replayRoute, async (c) => {
      const body = c.req.valid('json');
      const organizationId = c.var.auth.organizationId;
      const from = new Date(body.from).toISOString();
      const to = new Date(body.to).toISOString();
      // A rule between two fields, each valid alone: its own code, as on the usage analytics range.
      if (to <= from)
        throw new ProblemError(422, 'INVALID_RANGE', 'Invalid range', 'to must be after from', [
          { path: 'to', message: 'to must be after from' },
        ]);
      await refuseArchivedReplayRange(c.var.db, organizationId, body.entityId, new Date(from), new Date(to));
      const job = await createBillingJob(c.var.db, actorOf(c), organizationId, {
        kind: 'event_replay',
        entityId: body.entityId,
        params: { entityId: body.entityId, from, to },
        audited: { from, to },
      });
      await start(c.var.db, job, 'eventReplayWorkflow', {
        jobId: job.id,
        organizationId,
        entityId: body.entityId,
        from,
        to,
      });
      return c.json(present(job), 202);
    })
    .openapi(importRoute, async (c) => {
      const { events } = c.req.valid('json');
      const organizationId = c.var.auth.organizationId;
      const job = await createBillingJob(c.var.db, actorOf(c), organizationId, {
        kind: 'batch_import',
        entityId: null,
        params: { events } as never,
        audited: { events: events.length },
      });
      await start(c.var.db, job, 'batchImportWorkflow', { jobId: job.id, organizationId });
      return c.json(present(job), 202);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listBillingJobs(
        c.var.db,
        c.var.auth.organizationId,
        { kind: q.kind, status: q.status },
        pageRequest(q),
      );
      return c.json(
        listResponse(page, (j) => present(j)),
        200,
      );
    })
    .openapi(readRoute, async (c) => {
      const job = await findBillingJob(c.var.db, c.var.auth.organizationId, c.req.valid('param').jobId);
      if (!job) throw notFound('billing job');
      let live: Record<string, unknown> | null = null;
      if (job.status === 'running' || job.status === 'pending') {
        live = await deps.temporal.workflow
          .getHandle(job.workflowId)
          .query<Record<string, unknown> | null>('progress')
          .catch(() => null);
      }
      return c.json(present(job, live), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const job = await findBillingJob(c.var.db, c.var.auth.organizationId, c.req.valid('param').jobId);
      if (!job) throw notFound('billing job');
      if (job.status !== 'running' && job.status !== 'pending') {
        throw new ProblemError(409, 'JOB_FINISHED', 'Job already finished', `The job is ${job.status}`);
      }
      try {
        await deps.temporal.workflow.getHandle(job.workflowId).signal('cancel');
      } catch (err) {
        // The workflow ended between the read and the signal.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        throw new ProblemError(409, 'JOB_FINISHED', 'Job already finished', 'The job is no longer running');
      }
      await recordAuditNow(c.var.db, actorOf(c), {
        organizationId: job.organizationId,
        action: 'billing_job.cancel',
        targetType: 'billing_job',
        targetId: job.id,
        before: { status: job.status },
        after: { cancelRequested: true },
      });
      return c.json(present(job), 202);
    });
}
