// Run by the `retention` Schedule once a day: for each organization, archive what its retention policy says has
// expired and delete it (activities/retention/applyRetention.ts). One activity per organization, in id order, a page
// of organizations per run: a run continues as new after each page, carrying the instant it started with (`asOf`, the
// workflow clock, fixed for the whole run) and the totals.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { RetentionOutcome } from '../activities/retention/applyRetention.js';

/** Organizations per run before continuing as new (each is a few history events). */
export const RETENTION_PAGE_SIZE = 100;

const { listRetentionOrganizations } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
  summary: 'Organizations to apply retention to',
});

const { applyRetentionPolicy } = wf.proxyActivities<Activities>({
  // An organization's run archives and deletes in batches and heartbeats between them; a large backlog (the first
  // run over years of data) may take long, a dead worker is noticed within the heartbeat timeout.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '30 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
  summary: "Archive and delete an organization's expired rows",
});

export interface RetentionTotals {
  organizations: number;
  archived: number;
  deleted: number;
  kept: number;
}

export interface RetentionRunInput {
  /** Only these organizations (default: every organization). */
  organizationIds?: string[];
  /** Carried across continue-as-new: the run's instant, the last organization done, the totals so far. */
  asOf?: string;
  after?: string;
  totals?: RetentionTotals;
}

export interface RetentionRunResult extends RetentionTotals {
  asOf: string;
  /** The outcome of each organization with anything archived or deleted, in this (last) run only. */
  outcomes: RetentionOutcome[];
}

export async function retentionWorkflow(input: RetentionRunInput = {}): Promise<RetentionRunResult> {
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  const totals: RetentionTotals = input.totals ?? { organizations: 0, archived: 0, deleted: 0, kept: 0 };
  const page = await listRetentionOrganizations({
    after: input.after ?? null,
    limit: RETENTION_PAGE_SIZE,
    organizationIds: input.organizationIds,
  });
  const outcomes: RetentionOutcome[] = [];
  for (const organizationId of page.organizationIds) {
    const outcome = await applyRetentionPolicy({ organizationId, asOf });
    totals.organizations += 1;
    const tables = Object.values(outcome.tables);
    totals.archived += tables.reduce((s, t) => s + t.archived, 0);
    totals.deleted += tables.reduce((s, t) => s + t.deleted, 0);
    totals.kept += tables.reduce((s, t) => s + t.kept, 0);
    if (tables.some((t) => t.archived > 0 || t.deleted > 0) || outcome.periodsArchived > 0) outcomes.push(outcome);
  }
  const last = page.organizationIds[page.organizationIds.length - 1];
  if (page.hasMore && last) {
    await wf.continueAsNew<typeof retentionWorkflow>({ ...input, asOf, after: last, totals });
  }
  return { asOf, ...totals, outcomes };
}
