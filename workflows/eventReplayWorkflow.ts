// replay:<jobId> (an event_replay BillingJob) — re-rates an entity's accepted events over [from, to) with the current
// price book, in chunks of `chunkSize` by event id, writing the differences as pending adjustment items (see
// activities/jobs/eventReplay.ts); issued invoices, events and the ledger are never rewritten. Query `progress`;
// signal `cancel` stops after the chunk in flight (the skeleton of every job: chunkedJob.ts).
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReplayProgress } from '../activities/jobs/eventReplay.js';
import { runChunkedJob } from './chunkedJob.js';

const { startEventReplay, reRateEventChunk, finishBillingJob } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

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
  const range = { jobId: input.jobId, entityId: input.entityId, from: input.from, to: input.to };
  return runChunkedJob<ReplayProgress, string | null>({
    progress: input.progress ?? null,
    cursor: input.cursor ?? null,
    progressQuery: eventReplayProgressQuery,
    cancelSignal: cancelEventReplaySignal,
    start: () => startEventReplay(range),
    step: async (after, progress) => {
      const result = await reRateEventChunk({ ...range, after, limit: input.chunkSize ?? 500, progress });
      return { progress: result.progress, cursor: result.lastId, done: result.done };
    },
    finish: async (status, progress) => {
      await finishBillingJob({ jobId: input.jobId, status, progress: { ...progress } });
    },
    continueAsNew: (cursor, progress) => wf.continueAsNew<typeof eventReplayWorkflow>({ ...input, cursor, progress }),
  });
}
