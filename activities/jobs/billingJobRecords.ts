// BillingJob rows: event replays and batch imports, each run by its workflow `replay:<jobId>` (the id convention
// covers both kinds; the row's `kind` tells them apart). The API creates the row, then starts the workflow; the
// workflow's activities move the row through running -> completed | canceled | failed and keep `progress` current.
import { billingJobWorkflowId } from '../../temporal/workflowIds.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { uuidv7 } from '../metering/uuidv7.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';
import { tenantDbOf } from '../tenantDb.js';

export type BillingJobKind = 'event_replay' | 'batch_import';
export type BillingJobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'canceled';

export async function createBillingJob(
  db: Db,
  actor: Actor,
  organizationId: string,
  input: {
    kind: BillingJobKind;
    entityId: string | null;
    params: Prisma.InputJsonValue;
    /** What the audit row shows of the params (an import's events are too many to copy). */
    audited: Record<string, unknown>;
  },
) {
  if (input.entityId) {
    const entity = await db.entity.findFirst({
      where: { id: input.entityId, organizationId, deletedAt: null },
      select: { id: true },
    });
    if (!entity) throw new ResourceNotFoundError('entity');
  }
  const id = uuidv7();
  return db.$transaction(async (tx) => {
    const job = await tx.billingJob.create({
      data: {
        id,
        organizationId,
        entityId: input.entityId,
        kind: input.kind,
        workflowId: billingJobWorkflowId(id),
        params: input.params,
      },
      select: jobSelect,
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'billing_job.create',
      targetType: 'billing_job',
      targetId: id,
      after: { id, kind: input.kind, entityId: input.entityId, workflowId: job.workflowId, ...input.audited },
    });
    return job;
  });
}

/** Everything but params (an import's params hold its whole event file). */
const jobSelect = {
  id: true,
  organizationId: true,
  entityId: true,
  kind: true,
  status: true,
  workflowId: true,
  progress: true,
  error: true,
  createdAt: true,
  updatedAt: true,
  finishedAt: true,
} as const;

export type BillingJobRow = Prisma.BillingJobGetPayload<{ select: typeof jobSelect }>;

export async function findBillingJob(db: Db, organizationId: string, id: string): Promise<BillingJobRow | null> {
  return db.billingJob.findFirst({ where: { id, organizationId }, select: jobSelect });
}

export async function listBillingJobs(
  db: Db,
  organizationId: string,
  filter: { kind?: BillingJobKind | undefined; status?: BillingJobStatus | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.billingJob.findMany({
    ...args,
    select: jobSelect,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.kind ? { kind: filter.kind } : {},
        filter.status ? { status: filter.status } : {},
      ],
    },
  });
  return toPage(rows, page);
}

/** A job whose workflow could not be started. */
export async function failBillingJob(db: Db, id: string, error: string) {
  await db.billingJob.updateMany({
    where: { id, status: { in: ['pending', 'running'] } },
    data: { status: 'failed', error: error.slice(0, 1000), finishedAt: new Date() },
  });
}

/** Runs as the job's organization (tenantDb.ts). */
export function createBillingJobActivities(processDb: Db) {
  return {
    /** The job's final state; a finished job keeps the first one recorded. */
    async finishBillingJob(input: {
      jobId: string;
      status: 'completed' | 'canceled' | 'failed';
      progress: Prisma.InputJsonValue;
      error?: string;
    }): Promise<void> {
      const db = await tenantDbOf(processDb, 'billing_job', input.jobId);
      await db.billingJob.updateMany({
        where: { id: input.jobId, status: { in: ['pending', 'running'] } },
        data: {
          status: input.status,
          progress: input.progress,
          error: input.error ?? null,
          finishedAt: new Date(),
        },
      });
    },
  };
}
