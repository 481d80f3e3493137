// Brings the workflows of a test clock's entities to the clock's new time: each running one is sent `clockAdvanced`
// and asked (query `clock`, workflows/workflowClock.ts) until it has seen the time and is waiting again with nothing
// left to do now. Runs that start meanwhile (a collection started by a period close, the next run after
// continue-as-new) are found on the next round, so the advance ends only when two rounds in a row found every run
// caught up. The signal and query are named here as strings: this module is used by activities, which the workflows
// import types from, so importing the workflows back would close a cycle.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { testClockAdvanceWorkflowId } from './workflowIds.js';
import type { WorkflowStarter } from './workflowStarts.js';

/** Names of workflows/workflowClock.ts's signal and query. */
const CLOCK_ADVANCED_SIGNAL = 'clockAdvanced';
const CLOCK_STATE_QUERY = 'clock';

/** One round: true when every running workflow among `workflowIds` is at `now` and idle. */
export async function nudgeClockWorkflows(client: Client, workflowIds: string[], now: Date): Promise<boolean> {
  let caughtUp = true;
  for (const workflowId of workflowIds) {
    const handle = client.workflow.getHandle(workflowId);
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') continue;
      const state = await handle.query<{ now: string; idle: boolean }>(CLOCK_STATE_QUERY);
      if (Date.parse(state.now) < now.getTime()) {
        await handle.signal(CLOCK_ADVANCED_SIGNAL, { now: now.toISOString() });
        caughtUp = false;
      } else if (!state.idle) {
        caughtUp = false;
      }
    } catch (err) {
      // Never started, or finished between describe and query/signal: nothing of it left to catch up.
      if (err instanceof WorkflowNotFoundError) continue;
      throw err;
    }
  }
  return caughtUp;
}

/** Starts the advance's workflow (test-clock:<id>) for the advance the API just recorded. */
export async function startTestClockAdvance(
  starter: WorkflowStarter,
  clock: { id: string; organizationId: string; frozenTime: Date },
): Promise<void> {
  await starter.temporal.workflow.start('testClockAdvanceWorkflow', {
    workflowId: testClockAdvanceWorkflowId(clock.id),
    taskQueue: starter.taskQueue,
    args: [{ testClockId: clock.id, frozenTime: clock.frozenTime.toISOString() }],
    // One advance at a time (the API refuses a second while advancing); a finished one may be followed by the next.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    memo: { organizationId: clock.organizationId, testClockId: clock.id },
    staticSummary: `Advance of test clock ${clock.id} to ${clock.frozenTime.toISOString()}`,
  });
}
