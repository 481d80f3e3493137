// The activity of an advance: rounds of nudgeClockWorkflows (temporal/testClockAdvance.ts) over the workflows of the
// clock's entities until two rounds in a row found all of them caught up, then the clock is `ready`. Heartbeats each
// round, so a worker that dies mid-advance is replaced within the heartbeat timeout.
import { heartbeat, sleep } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { nudgeClockWorkflows } from '../../temporal/testClockAdvance.js';
import {
  billingWorkflowId,
  creditGrantWorkflowId,
  invoiceWorkflowId,
  subscriptionWorkflowId,
} from '../../temporal/workflowIds.js';
import type { Db } from '../db.js';
import { tenantDbOf } from '../tenantDb.js';
import { finishTestClockAdvance, testClockWorkflowRefs } from './testClockRecords.js';

const ROUND_PAUSE_MS = 200;

/** Runs as the clock's organization (tenantDb.ts). */
export function createTestClockActivities(processDb: Db, temporal: Client | undefined) {
  return {
    async settleTestClock(input: { testClockId: string; frozenTime: string }): Promise<{ rounds: number }> {
      if (!temporal) throw new Error('advancing a test clock needs a Temporal client');
      const db = await tenantDbOf(processDb, 'test_clock', input.testClockId);
      const now = new Date(input.frozenTime);
      let rounds = 0;
      let caughtUpRounds = 0;
      while (caughtUpRounds < 2) {
        rounds += 1;
        heartbeat({ rounds });
        const refs = await testClockWorkflowRefs(db, input.testClockId);
        const ids = [
          ...refs.entityIds.map(billingWorkflowId),
          ...refs.subscriptionIds.map(subscriptionWorkflowId),
          ...refs.grantIds.map(creditGrantWorkflowId),
          ...refs.invoiceIds.map(invoiceWorkflowId),
        ];
        caughtUpRounds = (await nudgeClockWorkflows(temporal, ids, now)) ? caughtUpRounds + 1 : 0;
        await sleep(ROUND_PAUSE_MS);
      }
      await finishTestClockAdvance(db, input.testClockId, now);
      return { rounds };
    },
  };
}
