// The `reconcile` Temporal Schedule: runs reconciliationWorkflow every 5 minutes (one at a time). Created at
// `npm start` and by the release step; creating it again is a no-op.
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { RECONCILE_RUN_WORKFLOW_ID, RECONCILE_SCHEDULE_ID } from './workflowIds.js';

export async function ensureReconcileSchedule(
  client: Client,
  taskQueue: string,
  every = '5 minutes',
): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: RECONCILE_SCHEDULE_ID,
      spec: { intervals: [{ every }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
      action: {
        type: 'startWorkflow',
        workflowType: 'reconciliationWorkflow',
        workflowId: RECONCILE_RUN_WORKFLOW_ID,
        taskQueue,
        args: [{}],
        staticSummary: 'Start missing workflows, dispatch pending outbox rows',
      },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
