// How long an organization's rows are kept before the retention run archives and deletes them, and which policies
// are refused when written. Pure: the defaults, the floors and the validation; activities/retention/ applies them.
//
// Periods are whole days, counted from the instant a row stops being needed:
//   rawEventDays          a metered event, from the end of the billing period whose invoice billed it (never while
//                         that period is open: its invoice is composed from the events)
//   webhookPayloadDays    an outbox row (its payload) with its deliveries, from when it was written, once dispatched
//                         and every delivery ended (delivered or dead)
//   webhookAttemptDays    a delivery's attempts, from when their outbox row was written, once the delivery ended
//   idempotencyRecordDays a stored Idempotency-Key response, from when it was stored
//   auditLogDays          an audit row, from when it was written
//   financialRecordDays   invoices, their lines and items, ledger entries, payments, credit grants, billing periods,
//                         tier counters: kept at least this long, which may not be less than the legal floor of
//                         10 years. The retention run never deletes them at all.

export interface RetentionPeriods {
  rawEventDays: number;
  webhookPayloadDays: number;
  webhookAttemptDays: number;
  idempotencyRecordDays: number;
  auditLogDays: number;
  financialRecordDays: number;
}

export type RetentionPeriodName = keyof RetentionPeriods;

/** What an organization without a policy of its own gets. */
export const DEFAULT_RETENTION: Readonly<RetentionPeriods> = Object.freeze({
  // 13 months after the invoice: a year of analytics by day and user, with a month of margin for disputes.
  rawEventDays: 395,
  webhookPayloadDays: 90,
  webhookAttemptDays: 30,
  idempotencyRecordDays: 30,
  // Seven years, the usual horizon for proof of who changed what.
  auditLogDays: 2555,
  financialRecordDays: 3650,
});

/** Invoices, ledger entries and what they depend on: 10 years, the longest common statutory bookkeeping period. */
export const LEGAL_FINANCIAL_RETENTION_DAYS = 3650;

/** A stored Idempotency-Key response replays for 24 h: a record must outlive that window by a margin. */
export const MIN_IDEMPOTENCY_RECORD_DAYS = 2;

/** The longest period accepted (100 years): a bound, so cutoffs stay inside what a timestamp can hold. */
export const MAX_RETENTION_DAYS = 36500;

export type RetentionPolicyRefusal =
  | { code: 'FINANCIAL_RETENTION_TOO_SHORT'; field: 'financialRecordDays'; message: string }
  | { code: 'RETENTION_PERIOD_TOO_SHORT'; field: RetentionPeriodName; message: string }
  | { code: 'WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS'; field: 'webhookAttemptDays'; message: string };

/**
 * The first reason the policy may not be written, or null. Types and ranges (whole days, 1..MAX_RETENTION_DAYS) are
 * the API schema's; these are the rules between and beyond them.
 */
export function refuseRetentionPolicy(p: RetentionPeriods): RetentionPolicyRefusal | null {
  if (p.financialRecordDays < LEGAL_FINANCIAL_RETENTION_DAYS) {
    return {
      code: 'FINANCIAL_RETENTION_TOO_SHORT',
      field: 'financialRecordDays',
      message: `invoices and ledger entries are kept at least ${LEGAL_FINANCIAL_RETENTION_DAYS} days (10 years)`,
    };
  }
  if (p.idempotencyRecordDays < MIN_IDEMPOTENCY_RECORD_DAYS) {
    return {
      code: 'RETENTION_PERIOD_TOO_SHORT',
      field: 'idempotencyRecordDays',
      message: `idempotency records replay for 24 h and are kept at least ${MIN_IDEMPOTENCY_RECORD_DAYS} days`,
    };
  }
  for (const field of Object.keys(p) as RetentionPeriodName[]) {
    if (!Number.isInteger(p[field]) || p[field] < 1) {
      return { code: 'RETENTION_PERIOD_TOO_SHORT', field, message: `${field} must be a whole number of days >= 1` };
    }
  }
  // Attempts belong to a delivery: deleting a delivery takes its attempts with it.
  if (p.webhookAttemptDays > p.webhookPayloadDays) {
    return {
      code: 'WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS',
      field: 'webhookAttemptDays',
      message: 'delivery attempts cannot be kept longer than the webhook payloads they belong to',
    };
  }
  return null;
}

const DAY_MS = 86_400_000;

/** The start of the UTC day holding `at`. */
export function utcDayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/**
 * Rows that stopped being needed before this instant are expired: midnight UTC, `days` days before the day of
 * `asOf`. Day-aligned, so a day's rows expire together and one run archives a whole day.
 */
export function retentionCutoff(asOf: Date, days: number): Date {
  return new Date(utcDayStart(asOf).getTime() - days * DAY_MS);
}
