// Problems of test clocks, webhook endpoints, users, retention and archives, and of the billing rules themselves.
import { k, type ProblemKind } from './problemKind.js';

export const OPERATIONS_PROBLEMS: Record<string, ProblemKind> = {
  // Test clocks.
  TEST_CLOCK_NOT_FOUND: k(
    422,
    'Test clock not found',
    'testClockId names no test clock of this organization (or a deleted one).',
    'Create a clock (POST /api/test-clocks) and use its id.',
  ),
  TEST_CLOCK_BACKWARDS: k(
    422,
    'Test clock cannot go back',
    "frozenTime is not after the clock's current time: a test clock only moves forward.",
    'Advance to a later time, or create a new clock.',
  ),
  TEST_CLOCK_ADVANCING: k(
    409,
    'Test clock advancing',
    "The clock's previous advance is still running (its workflows catching up).",
    'Poll GET /api/test-clocks/{testClockId} until `status` is `ready`, then advance again.',
  ),

  // Webhook endpoints.
  UNKNOWN_WEBHOOK_EVENT_TYPE: k(
    422,
    'Unknown webhook event type',
    'An endpoint filter names an event type the API never sends (a typo such as `invoice.payed`).',
    'Use the types listed in the `webhooks` section of /openapi.json.',
  ),

  // Users.
  USER_ERASED: k(
    409,
    'User erased',
    'The person was erased (pseudonymised); their record can no longer be changed.',
    'Create a new user if the person comes back.',
  ),

  // Retention and archives.
  ARCHIVES_BUSY: k(
    409,
    'Archives busy',
    "The organization's archives are being written (a retention run or an erasure).",
    'Retry shortly.',
  ),
  FINANCIAL_RETENTION_TOO_SHORT: k(
    422,
    'Financial retention too short',
    'financialRecordDays is below the legal minimum for financial records.',
    'Keep financial records at least as long as `detail` says.',
  ),
  RETENTION_PERIOD_TOO_SHORT: k(
    422,
    'Retention period too short',
    'A retention period is below its minimum (idempotency records must outlive their 24 h replay window, ...).',
    'Raise the field named in `errors[].path` to at least the minimum in `detail`.',
  ),
  WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS: k(
    422,
    'Webhook attempts outlive their payloads',
    'webhookAttemptDays is longer than webhookPayloadDays: attempts would point at deleted payloads.',
    'Keep attempts no longer than payloads.',
  ),
  USAGE_RANGE_ARCHIVED: k(
    422,
    'Usage range splits an archived day',
    'Archived events are kept as daily totals, and the range starts or ends inside such a day.',
    "Start and end the range on a day boundary of the entity's time zone.",
  ),
  EVENTS_ARCHIVED: k(
    422,
    'Events archived',
    'The replay range reaches events the retention run archived; only their totals are kept, which cannot be re-rated.',
    'Start the range after the archived events (`detail` names the last one).',
  ),
  PERIOD_ARCHIVED: k(
    422,
    'Period archived',
    "The event's billing period is invoiced and its raw events archived: it can no longer take events.",
    'Send a correction in the current period (a credit or an adjustment) instead.',
  ),

  // Domain rules surfacing as problems (the billing math refused an input).
  INVALID_ALLOCATION: k(422, 'Invalid allocation', 'An amount could not be split as asked.', 'Check the amounts.'),
  INVALID_BILLING_SCHEDULE: k(
    422,
    'Invalid billing schedule',
    'Anchor day or interval out of range.',
    'Send an anchor day from 1 to 31.',
  ),
  INVALID_TIME_ZONE: k(422, 'Invalid time zone', 'Not an IANA time zone.', 'Send a zone such as Europe/London.'),
  CHANGE_OUTSIDE_PERIOD: k(
    422,
    'Change outside period',
    'A change instant outside its billing period.',
    'Read the subscription and retry: its period moved on.',
  ),
  INVALID_INVOICE_LINE: k(
    422,
    'Invalid invoice line',
    'An invoice line the composition rules refuse.',
    'Check the amounts and quantities named in `detail`.',
  ),
  INVALID_CREDIT_GRANT: k(
    422,
    'Invalid credit grant',
    'A grant the credit rules refuse.',
    'Check the amount and expiry named in `detail`.',
  ),
};
