// `npm run histories:record`: re-runs the time-skipping workflow scenarios with RECORD_HISTORIES=1, which saves one
// history per workflow type into test/fixtures/histories/ for test/workflows/replay.test.ts. Run it after a
// deliberate, versioned (wf.patched) change to a workflow, and commit the new fixtures next to the old ones.
import { spawnSync } from 'node:child_process';

const files = [
  'test/workflows/billingCycle.timeskipping.test.ts',
  'test/workflows/invoiceCollection.timeskipping.test.ts',
  'test/workflows/invoiceSettlement.timeskipping.test.ts',
  'test/workflows/paymentContract.timeskipping.test.ts',
  'test/workflows/stripeWebhooks.timeskipping.test.ts',
  'test/workflows/downgradeRefund.timeskipping.test.ts',
  'test/workflows/subscription.timeskipping.test.ts',
  'test/workflows/creditGrant.timeskipping.test.ts',
  'test/workflows/webhookDelivery.timeskipping.test.ts',
  'test/workflows/retention.timeskipping.test.ts',
  // Dev-server scenarios (eventReplayWorkflow, batchImportWorkflow).
  'test/integration/workflows/billingJobs.test.ts',
  // The test-clock path (entityBillingWorkflow, subscriptionWorkflow on a clock).
  'test/integration/testClocks/testClockMonth.test.ts',
];
const result = spawnSync('npx', ['vitest', 'run', ...files], {
  stdio: 'inherit',
  env: { ...process.env, RECORD_HISTORIES: '1' },
});
process.exit(result.status ?? 1);
