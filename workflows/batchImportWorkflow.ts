// replay:<jobId> (a batch_import BillingJob; the `replay:` prefix is the convention for every billing job) — ingests
// the job's stored event file through the real metering path in chunks of `chunkSize` (see
// activities/jobs/batchImport.ts; the events' idempotency keys make a retried chunk harmless), dispatching the
// webhook outbox rows each chunk produced. Query `progress`; signal `cancel` stops after the chunk in flight (the
// skeleton of every job: chunkedJob.ts).
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ImportProgress } from '../activities/jobs/batchImport.js';
import { runChunkedJob } from './chunkedJob.js';

const { startBatchImport, importEventChunk, finishBillingJob, dispatchWebhookEvents } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface BatchImportInput {
  jobId: string;
  organizationId: string;
  chunkSize?: number;
  /** Carried across continue-as-new: events already handed to ingestion. */
  offset?: number;
  progress?: ImportProgress;
}

export const batchImportProgressQuery = wf.defineQuery<ImportProgress | null>('progress');
export const cancelBatchImportSignal = wf.defineSignal('cancel');

export async function batchImportWorkflow(input: BatchImportInput): Promise<ImportProgress> {
  const limit = input.chunkSize ?? 500;
  return runChunkedJob<ImportProgress, number>({
    progress: input.progress ?? null,
    cursor: input.offset ?? 0,
    progressQuery: batchImportProgressQuery,
    cancelSignal: cancelBatchImportSignal,
    start: () => startBatchImport({ jobId: input.jobId }),
    exhausted: (offset, progress) => offset >= progress.total,
    step: async (offset, progress) => {
      const result = await importEventChunk({
        jobId: input.jobId,
        organizationId: input.organizationId,
        offset,
        limit,
        progress,
      });
      if (result.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
      return { progress: result.progress, cursor: offset + limit, done: false };
    },
    finish: async (status, progress) => {
      await finishBillingJob({ jobId: input.jobId, status, progress: { ...progress } });
    },
    continueAsNew: (offset, progress) => wf.continueAsNew<typeof batchImportWorkflow>({ ...input, offset, progress }),
  });
}
