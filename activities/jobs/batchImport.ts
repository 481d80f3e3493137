// Importing a large event file: the events sit in the job's params (`{"events": [...]}`, at most
// MAX_IMPORT_EVENTS, stored by the API) and go through the real metering path (`ingestEvents`) in chunks. Every
// event carries its own idempotency key, so a retried or re-executed chunk replays the stored outcomes and writes
// nothing twice; the counts are taken from the outcomes, so they are the same on a retry.
import type { Db } from '../db.js';
import { type IngestEventInput, ingestEvents } from '../metering/ingestEvents.js';
import { tenantDbOf } from '../tenantDb.js';

export const MAX_IMPORT_EVENTS = 10_000;

export interface ImportProgress {
  processed: number;
  total: number;
  accepted: number;
  /** Business rejections (insufficient credits, limits, suspended entity): stored, as the single endpoint would. */
  rejected: number;
  /** Invalid events (unknown entity or event type, bad quantity, ...): nothing stored. */
  invalid: number;
  status: 'running' | 'completed' | 'canceled' | 'failed';
}

/** Each activity runs as the job's organization (tenantDb.ts). */
export function createBatchImportActivities(processDb: Db) {
  return {
    async startBatchImport(input: { jobId: string }): Promise<ImportProgress> {
      const db = await tenantDbOf(processDb, 'billing_job', input.jobId);
      const [row] = await db.$queryRaw<Array<{ total: number }>>`
        SELECT jsonb_array_length(params -> 'events')::int AS total FROM "BillingJob" WHERE id = ${input.jobId}::uuid`;
      const progress: ImportProgress = {
        processed: 0,
        total: row?.total ?? 0,
        accepted: 0,
        rejected: 0,
        invalid: 0,
        status: 'running',
      };
      await db.billingJob.updateMany({
        where: { id: input.jobId, status: { in: ['pending', 'running'] } },
        data: { status: 'running', progress: { ...progress } },
      });
      return progress;
    },

    /** Ingests events [offset, offset + limit) of the job's file; returns the progress and outbox rows to dispatch. */
    async importEventChunk(input: {
      jobId: string;
      organizationId: string;
      offset: number;
      limit: number;
      progress: ImportProgress;
    }): Promise<{ progress: ImportProgress; webhookEventIds: string[]; done: boolean }> {
      const db = await tenantDbOf(processDb, 'billing_job', input.jobId);
      const rows = await db.$queryRaw<Array<{ event: IngestEventInput }>>`
        SELECT t.event FROM "BillingJob" j, jsonb_array_elements(j.params -> 'events') WITH ORDINALITY AS t(event, n)
        WHERE j.id = ${input.jobId}::uuid AND j."organizationId" = ${input.organizationId}::uuid
          AND t.n > ${input.offset} AND t.n <= ${input.offset + input.limit}
        ORDER BY t.n`;
      const events = rows.map((r) => r.event);
      const { outcomes, webhookEventIds } =
        events.length > 0
          ? await ingestEvents(db, input.organizationId, events)
          : { outcomes: [], webhookEventIds: [] };
      const count = (status: string) => outcomes.filter((o) => o.status === status).length;
      const progress: ImportProgress = {
        ...input.progress,
        processed: input.progress.processed + events.length,
        accepted: input.progress.accepted + count('accepted'),
        rejected: input.progress.rejected + count('rejected'),
        invalid: input.progress.invalid + count('invalid'),
      };
      await db.billingJob.updateMany({
        where: { id: input.jobId, status: 'running' },
        data: { progress: { ...progress } },
      });
      return { progress, webhookEventIds, done: input.offset + events.length >= input.progress.total };
    },
  };
}
