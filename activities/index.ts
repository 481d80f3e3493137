// Every activity the worker registers. Activities are plain async functions closed over their dependencies
// (the Prisma client), so tests and the API can build them against any database.
import { createBillingPeriodActivities } from './billingPeriods.js';
import type { Db } from './db.js';

export interface ActivityDeps {
  db: Db;
}

export function createActivities({ db }: ActivityDeps) {
  return {
    ...createBillingPeriodActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
