// The activities of the `retention` workflow: the organizations to visit, and one organization's run (which
// heartbeats between batches, so a worker that died mid-run is noticed in minutes and the run retried elsewhere).
import { Context } from '@temporalio/activity';
import type { Db } from '../db.js';
import { applyRetention, listOrganizationsForRetention, type RetentionOutcome } from './applyRetention.js';

export interface RetentionPageInput {
  after?: string | null;
  limit: number;
  /** Only these organizations (tests, and a run for a few organizations by hand); default all. */
  organizationIds?: string[] | undefined;
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Outside an activity (a script or a test calling the function) there is nobody to tell.
  }
}

export function createRetentionActivities(db: Db, archiveDir: string) {
  return {
    async listRetentionOrganizations(input: RetentionPageInput) {
      return listOrganizationsForRetention(db, input);
    },
    async applyRetentionPolicy(input: { organizationId: string; asOf: string }): Promise<RetentionOutcome> {
      return applyRetention({ db, archiveDir, progress: heartbeat }, input);
    },
  };
}
