// test-clock:<testClockId> — one advance of a test clock: the clock row already has its new time; the activity
// brings every workflow of the clock's entities to it and marks the clock ready (activities/testClocks).
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { settleTestClock } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface TestClockAdvanceInput {
  testClockId: string;
  frozenTime: string;
}

export async function testClockAdvanceWorkflow(input: TestClockAdvanceInput): Promise<{ rounds: number }> {
  wf.setCurrentDetails(`Bringing the workflows of test clock ${input.testClockId} to ${input.frozenTime}`);
  return settleTestClock(input);
}
