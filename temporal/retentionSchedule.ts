// The `retention` Temporal Schedule: runs retentionWorkflow once a day (03:30 UTC, one at a time; a day missed while
// the cluster was down is caught up within a day). Created at `npm start` and by the release step; creating it again
// is a no-op.
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { RETENTION_RUN_WORKFLOW_ID, RETENTION_SCHEDULE_ID } from './workflowIds.js';

/** What the schedule starts: also what a test (the time-skipping server has no Schedules) starts by hand. */
export function retentionScheduleAction(taskQueue: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: 'retentionWorkflow',
    workflowId: RETENTION_RUN_WORKFLOW_ID,
    taskQueue,
    args: [{}],
    staticSummary: 'Archive and delete rows past their retention period',
  };
}

export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: RETENTION_SCHEDULE_ID,
      spec: { calendars: [{ hour: 3, minute: 30 }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      action: retentionScheduleAction(taskQueue),
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
