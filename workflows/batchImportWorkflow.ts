// replay:<jobId> (a batch_import BillingJob; the `replay:` prefix is the convention for every billing job) — ingests
// the job's stored event file through the real metering path in chunks of `chunkSize` (see
// activities/jobs/batchImport.ts; the events' idempotency keys make a retried chunk harmless), dispatching the
// webhook outbox rows each chunk produced. Query `progress`; signal `cancel` (or a Temporal cancellation) stops
// after the chunk in flight and marks the job canceled. Continues as new every CHUNKS_PER_RUN chunks.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ImportProgress } from '../activities/jobs/batchImport.js';

const { startBatchImport, importEventChunk, finishBillingJob, dispatchWebhookEvents } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export const CHUNKS_PER_RUN = 100;

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
  let progress: ImportProgress | null = input.progress ?? null;
  let cancelRequested = false;
  wf.setHandler(batchImportProgressQuery, () => progress);
  wf.setHandler(cancelBatchImportSignal, () => {
    cancelRequested = true;
  });
  const finish = async (status: 'completed' | 'canceled'): Promise<ImportProgress> => {
    progress = { ...progress!, status };
    await wf.CancellationScope.nonCancellable(() =>
      finishBillingJob({ jobId: input.jobId, status, progress: { ...progress! } }),
    );
    return progress;
  };

  try {
    let current: ImportProgress = progress ?? (await startBatchImport({ jobId: input.jobId }));
    progress = current;
    let offset = input.offset ?? 0;
    const limit = input.chunkSize ?? 500;
    for (let chunk = 0; ; chunk++) {
      if (cancelRequested) return await finish('canceled');
      if (offset >= current.total) return await finish('completed');
      if (chunk >= CHUNKS_PER_RUN || wf.workflowInfo().continueAsNewSuggested) {
        await wf.condition(wf.allHandlersFinished);
        return await wf.continueAsNew<typeof batchImportWorkflow>({ ...input, offset, progress: current });
      }
      const result = await importEventChunk({
        jobId: input.jobId,
        organizationId: input.organizationId,
        offset,
        limit,
        progress: current,
      });
      current = result.progress;
      progress = current;
      offset += limit;
      if (result.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
    }
  } catch (err) {
    if (wf.isCancellation(err) && progress) {
      await finish('canceled');
    }
    throw err;
  }
}
