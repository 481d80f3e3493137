// Replays every recorded history (test/fixtures/histories/*.json, written by `npm run histories:record`) against the
// current workflow code: a change that is not deterministic for runs already in flight fails here, not in production.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../fixtures/histories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of recorded workflow histories', () => {
  it('has a history for every workflow type that has state over time', () => {
    const types = new Set(files.map((f) => f.split('-')[0]));
    for (const t of [
      'entityBillingWorkflow',
      'invoiceCollectionWorkflow',
      'subscriptionWorkflow',
      'creditGrantWorkflow',
      'webhookDeliveryWorkflow',
      'payoutWorkflow',
    ]) {
      expect(types.has(t), `${t} history recorded`).toBe(true);
    }
  });

  it.each(files)('%s replays deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file);
  });
});
