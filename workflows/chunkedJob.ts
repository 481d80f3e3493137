// The skeleton every billing job workflow (replay:<jobId>: event replays, batch imports) shares: work through the job
// chunk by chunk, answer the `progress` query, stop after the chunk in flight on the `cancel` signal or a Temporal
// cancellation (keeping what was written), mark the job row finished, and continue as new every CHUNKS_PER_RUN
// chunks (or when the server suggests it) carrying the cursor and progress. What a chunk is belongs to each job.
import * as wf from '@temporalio/workflow';

export const CHUNKS_PER_RUN = 100;

export interface ChunkedJob<P extends object, C> {
  /** The progress carried from the previous run, or null on the first. */
  progress: P | null;
  cursor: C;
  progressQuery: wf.QueryDefinition<P | null>;
  cancelSignal: wf.SignalDefinition<[]>;
  /** The job's first progress (the activity that marks the job running and counts its work). */
  start(): Promise<P>;
  /** True when nothing is left before the next chunk (jobs that know their size up front). */
  exhausted?(cursor: C, progress: P): boolean;
  /** One chunk from `cursor`; `done` when it was the last. */
  step(cursor: C, progress: P): Promise<{ progress: P; cursor: C; done: boolean }>;
  /** Marks the job row finished (never cancelled itself). */
  finish(status: 'completed' | 'canceled', progress: P): Promise<void>;
  continueAsNew(cursor: C, progress: P): Promise<never>;
}

export async function runChunkedJob<P extends object, C>(job: ChunkedJob<P, C>): Promise<P> {
  let progress: P | null = job.progress;
  let cancelRequested = false;
  wf.setHandler(job.progressQuery, () => progress);
  wf.setHandler(job.cancelSignal, () => {
    cancelRequested = true;
  });
  const finish = async (status: 'completed' | 'canceled'): Promise<P> => {
    const finished = { ...progress!, status };
    progress = finished;
    await wf.CancellationScope.nonCancellable(() => job.finish(status, finished));
    return finished;
  };

  try {
    let current: P = progress ?? (await job.start());
    progress = current;
    let cursor = job.cursor;
    for (let chunk = 0; ; chunk++) {
      if (cancelRequested) return await finish('canceled');
      if (job.exhausted?.(cursor, current)) return await finish('completed');
      if (chunk >= CHUNKS_PER_RUN || wf.workflowInfo().continueAsNewSuggested) {
        await wf.condition(wf.allHandlersFinished);
        return await job.continueAsNew(cursor, current);
      }
      const result = await job.step(cursor, current);
      current = result.progress;
      progress = current;
      cursor = result.cursor;
      if (result.done) return await finish('completed');
    }
  } catch (err) {
    if (wf.isCancellation(err) && progress) {
      await finish('canceled');
    }
    throw err;
  }
}
