// replay:<jobId> (an event_replay BillingJob) — re-rates an entity's accepted events over [from, to) with the current
// price book, in chunks of `chunkSize` by event id, writing the differences as pending adjustment items (see
// activities/jobs/eventReplay.ts); issued invoices, events and the ledger are never rewritten. Query `progress`;
// signal `cancel` (or a Temporal cancellation) stops after the chunk in flight, keeping what was written, and marks
// the job canceled. Continues as new every CHUNKS_PER_RUN chunks (or when the server suggests it) with its cursor.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReplayProgress } from '../activities/jobs/eventReplay.js';

const { startEventReplay, reRateEventChunk, finishBillingJob } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export const CHUNKS_PER_RUN = 100;

export interface EventReplayInput {
  jobId: string;
  organizationId: string;
  entityId: string;
  /** ISO instants: events with from <= occurredAt < to. */
  from: string;
  to: string;
  chunkSize?: number;
  /** Carried across continue-as-new. */
  cursor?: string | null;
  progress?: ReplayProgress;
}

export const eventReplayProgressQuery = wf.defineQuery<ReplayProgress | null>('progress');
export const cancelEventReplaySignal = wf.defineSignal('cancel');

export async function eventReplayWorkflow(input: EventReplayInput): Promise<ReplayProgress> {
  let progress: ReplayProgress | null = input.progress ?? null;
  let cancelRequested = false;
  wf.setHandler(eventReplayProgressQuery, () => progress);
  wf.setHandler(cancelEventReplaySignal, () => {
    cancelRequested = true;
  });
  const range = { jobId: input.jobId, entityId: input.entityId, from: input.from, to: input.to };
  const finish = async (status: 'completed' | 'canceled'): Promise<ReplayProgress> => {
    progress = { ...progress!, status };
    await wf.CancellationScope.nonCancellable(() =>
      finishBillingJob({ jobId: input.jobId, status, progress: { ...progress! } }),
    );
    return progress;
  };

  try {
    let current: ReplayProgress = progress ?? (await startEventReplay(range));
    progress = current;
    let cursor = input.cursor ?? null;
    for (let chunk = 0; ; chunk++) {
      if (cancelRequested) return await finish('canceled');
      if (chunk >= CHUNKS_PER_RUN || wf.workflowInfo().continueAsNewSuggested) {
        await wf.condition(wf.allHandlersFinished);
        return await wf.continueAsNew<typeof eventReplayWorkflow>({ ...input, cursor, progress: current });
      }
      const result = await reRateEventChunk({
        ...range,
        after: cursor,
        limit: input.chunkSize ?? 500,
        progress: current,
      });
      current = result.progress;
      progress = current;
      cursor = result.lastId;
      if (result.done) return await finish('completed');
    }
  } catch (err) {
    if (wf.isCancellation(err) && progress) {
      await finish('canceled');
    }
    throw err;
  }
}
