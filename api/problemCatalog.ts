// Every stable problem `code` the API answers with, what it means and what to do about it. A problem's `type` is
// `/problems/<code>` on the API itself (api/problemPages.ts serves this catalog there), so the URL in every error
// resolves to its explanation. test/integration/api/problemPages.test.ts fails on a code in the source missing here.// The entries live in problems/, one file per area; this module joins them.
import { BILLING_PROBLEMS } from './problems/billingProblems.js';
import { MARKETPLACE_PROBLEMS } from './problems/marketplaceProblems.js';
import { METERING_PROBLEMS } from './problems/meteringProblems.js';
import { OPERATIONS_PROBLEMS } from './problems/operationsProblems.js';
import { PAYMENT_PROBLEMS } from './problems/paymentProblems.js';
import type { ProblemKind } from './problems/problemKind.js';
import { REQUEST_PROBLEMS } from './problems/requestProblems.js';

export type { ProblemKind } from './problems/problemKind.js';

export const PROBLEM_CATALOG: Record<string, ProblemKind> = {
  ...REQUEST_PROBLEMS,
  ...METERING_PROBLEMS,
  ...BILLING_PROBLEMS,
  ...PAYMENT_PROBLEMS,
  ...MARKETPLACE_PROBLEMS,
  ...OPERATIONS_PROBLEMS,
};

/** A code as given, or its lower-case kebab form (`not-found`): the catalog key, or undefined. */
export function problemCode(raw: string): string | undefined {
  const code = raw.toUpperCase().replaceAll('-', '_');
  return Object.hasOwn(PROBLEM_CATALOG, code) ? code : undefined;
}

/** The `type` of a problem with this code: the API's own page about it. */
export const problemTypeUrl = (code: string) => `/problems/${code}`;
