// Every stable problem `code` the API answers with, what it means and what to do about it. A problem's `type` is
// `/problems/<code>` on the API itself (api/problemPages.ts serves this catalog there), so the URL in every error
// resolves to its explanation. test/integration/api/problemPages.test.ts fails on a code in the source missing here.

export interface ProblemKind {
  status: number;
  title: string;
  /** What happened, for the integrator reading the page. */
  meaning: string;
  /** What to do next. */
  action: string;
}

const k = (status: number, title: string, meaning: string, action: string): ProblemKind => ({
  status,
  title,
  meaning,
  action,
});

export const PROBLEM_CATALOG: Record<string, ProblemKind> = {
  // Requests the API cannot take, whatever the resource.
  VALIDATION_FAILED: k(
    422,
    'Invalid request',
    'The request does not match the documented schema: a field or query parameter is missing, malformed, out of ' +
      'range, or unknown (unknown fields are refused by name, never ignored). `errors[]` lists each one with its path.',
    'Fix each field named in `errors[].path`; nothing was written, so the same Idempotency-Key may be reused.',
  ),
  MALFORMED_JSON: k(400, 'Malformed JSON', 'The request body is not valid JSON.', 'Send a JSON document.'),
  BAD_REQUEST: k(
    400,
    'Bad request',
    'The HTTP request itself could not be read.',
    'Check the method, headers and body.',
  ),
  UNSUPPORTED_MEDIA_TYPE: k(
    415,
    'Unsupported media type',
    'The body was sent with a Content-Type the operation does not take.',
    'Send `Content-Type: application/json`.',
  ),
  PAYLOAD_TOO_LARGE: k(
    413,
    'Request body too large',
    'The body is over 1 MiB (16 MiB for the event batch and import routes). Nothing was read past the limit.',
    'Split the request: fewer events per batch, or an import job.',
  ),
  METHOD_NOT_ALLOWED: k(
    405,
    'Method not allowed',
    'The path exists but does not take this method. The `Allow` header lists the methods it takes.',
    'Use one of the methods in `Allow`.',
  ),
  NOT_FOUND: k(
    404,
    'Not found',
    "No such resource, or it belongs to another organization (another organization's ids are never confirmed).",
    'Check the id and the API key you use.',
  ),
  UNAUTHENTICATED: k(
    401,
    'Unauthenticated',
    'No API key, or the key is unknown, revoked or expired.',
    'Send `Authorization: Bearer <api key>` with an active key.',
  ),
  INSUFFICIENT_SCOPE: k(
    403,
    'Insufficient scope',
    'The key lacks the scope this operation needs (`admin`, `read` or `ingest`), or it is the bootstrap key outside ' +
      'the bootstrap routes.',
    'Use a key with the scope named in `detail`.',
  ),
  RATE_LIMITED: k(
    429,
    'Rate limited',
    "The key's request rate is over its limit (a token bucket per key and API process).",
    'Wait the seconds in `Retry-After`, then retry with the same Idempotency-Key.',
  ),
  INTERNAL: k(
    500,
    'Internal error',
    'An unexpected failure. Nothing is stored for the Idempotency-Key, so a retry runs again.',
    'Retry with the same Idempotency-Key; report the request id in `detail` if it persists.',
  ),
  SERVICE_UNAVAILABLE: k(
    503,
    'Service unavailable',
    'Postgres or Temporal is unreachable for the moment.',
    'Retry after `Retry-After` with the same Idempotency-Key.',
  ),
  TEMPORAL_UNAVAILABLE: k(
    503,
    'Workflow service unavailable',
    "A billing job's workflow could not be started; the job is marked failed.",
    'Retry the request shortly.',
  ),
  CONFLICT: k(
    409,
    'Conflict',
    'The write collides with what exists (a duplicate name, an existing membership).',
    'Read the resource named in `detail`; change the request or use what is there.',
  ),
  FIELD_NOT_UPDATABLE: k(
    422,
    'Field not updatable',
    "A PATCH named a field that cannot change there: an entity's currency and time zone are fixed at creation (its " +
      'periods, credits and invoices depend on them) and its anchor day changes through the billing-workflow ' +
      'anchor-day operation. `errors[]` gives the reason per field.',
    'Leave the field out, or use the operation named in the message.',
  ),

  CURSOR_MISMATCH: k(
    422,
    'Two different cursors',
    'A list was given both `cursor` and its deprecated alias `starting_after`, naming different places.',
    'Send `cursor` only: the `nextCursor` of the previous page.',
  ),

  // Idempotency.
  INVALID_IDEMPOTENCY_KEY: k(
    400,
    'Invalid Idempotency-Key',
    'The Idempotency-Key header is empty or longer than 255 characters.',
    'Send 1 to 255 characters, unique per request.',
  ),
  IDEMPOTENCY_KEY_REUSED: k(
    409,
    'Idempotency key reused',
    'This key already answered another request (another body or path) within 24 hours.',
    'Use a new key for a new request; resend the original body to get its stored answer.',
  ),
  IDEMPOTENCY_IN_PROGRESS: k(
    409,
    'Request in progress',
    'A request with this key is still running.',
    'Retry shortly with the same key to get its answer.',
  ),
  IDEMPOTENCY_KEY_MISMATCH: k(
    422,
    'Two different idempotency keys',
    'The Idempotency-Key header and the deprecated `idempotencyKey` body field were both sent and differ.',
    'Send the header only.',
  ),
  IDEMPOTENCY_KEY_CONFLICT: k(
    409,
    'Idempotency key used for another payload',
    'The event, purchase, grant or transfer key was already used with different content.',
    'Use a new key for a new event or purchase.',
  ),

  // Metering.
  ENTITY_NOT_FOUND: k(
    404,
    'Entity not found',
    "The event's entity does not exist in your organization.",
    'Check entityId.',
  ),
  NOT_A_MEMBER: k(
    422,
    'User is not a member of the entity',
    "The event's user has no membership in the entity.",
    'Add the membership (POST /api/entities/{entityId}/members) first.',
  ),
  UNKNOWN_EVENT_TYPE: k(
    422,
    'Unknown event type',
    "No active price book prices this event type for the entity (its own books, else the organization's).",
    'Add a price for it, or fix the eventType.',
  ),
  INVALID_QUANTITY: k(
    422,
    'Invalid quantity',
    'quantity must be a whole number from 1 to 10^9.',
    'Send a whole number.',
  ),
  OCCURRED_AT_IN_FUTURE: k(
    422,
    'occurredAt is in the future',
    'The event is more than 5 minutes ahead of the server clock.',
    'Send the time the event happened (UTC or with an offset).',
  ),
  BEFORE_FIRST_PERIOD: k(
    422,
    "Before the entity's first billing period",
    "occurredAt lies before the entity's first billing period. Events of closed periods are accepted and billed late.",
    'Check occurredAt.',
  ),
  BATCH_TOO_LARGE: k(422, 'Batch too large', 'More than 1,000 events in one batch.', 'Split it, or use an import job.'),
  ENTITY_SUSPENDED: k(
    200,
    'Entity suspended (event outcome)',
    'An event outcome, not an HTTP error: the entity is suspended for a past-due invoice, so its events are rejected.',
    'Settle the past-due invoice (payment, mark-paid or void); the entity is reactivated.',
  ),
  INSUFFICIENT_CREDITS: k(
    200,
    'Insufficient credits (event outcome)',
    "An event outcome: overage policy `reject` and the entity's credits do not cover the event. Nothing was drawn.",
    'Buy or grant credits, or switch the entity to overage policy `bill`.',
  ),
  USER_CREDIT_LIMIT_EXCEEDED: k(
    200,
    'User credit limit exceeded (event outcome)',
    "An event outcome: the user's spend in this billing period would pass their credit limit.",
    "Raise or clear the member's limit (PUT /api/entities/{entityId}/user-limits/{userId}).",
  ),

  // Money and prices.
  CURRENCY_MISMATCH: k(
    422,
    'Currency mismatch',
    'Amounts or prices in different currencies meet: a price book not in its entity currency, a package or plan in ' +
      "another currency than the entity's.",
    'Use the entity currency.',
  ),
  UNKNOWN_CURRENCY: k(
    422,
    'Unknown currency',
    'Not a supported ISO 4217 code.',
    'Send an upper-case code such as USD.',
  ),
  INVALID_AMOUNT: k(
    422,
    'Invalid amount',
    'An amount is not a positive decimal with at most 6 decimals and 14 integer digits.',
    'Send a decimal string such as "12.50".',
  ),
  INVALID_PRICE_DEFINITION: k(
    422,
    'Invalid price definition',
    'A price scheme breaks the rules the schema cannot state: tiers in ascending upTo, the last tier open (upTo: null).',
    'Fix the tiers as `detail` says.',
  ),
  PRICE_BOOK_CONFLICT: k(
    409,
    'Price book conflict',
    'After the write an event type would be priced twice at one level, or in another currency than an entity using ' +
      'it. `conflicts[]` lists event types, books and entities.',
    'Deactivate or change the conflicting book first.',
  ),
  PRICE_BOOK_IN_USE: k(
    409,
    'Price book in use',
    'Entities price event types through this book (or price) and nothing else would price them afterwards. ' +
      '`conflicts[]` lists them.',
    'Add the replacement prices first, then remove these.',
  ),
  ENTITY_CURRENCY_NOT_PRICED: k(
    422,
    'Entity currency not priced',
    "The organization's price books price event types in another currency than the new entity's.",
    'Create the entity with its own `priceBook` in its currency for the event types listed in `conflicts[]`.',
  ),
  INVALID_TEAM: k(422, 'Invalid team', 'teamId is not a team of this entity.', 'Use a team of the same entity.'),

  // Credits.
  INVALID_EXPIRY: k(422, 'Invalid expiry', 'expiresAt is not in the future.', 'Send a future instant or null.'),
  SAME_ENTITY: k(422, 'Same entity', 'A transfer from an entity to itself.', 'Name two different entities.'),
  INVALID_RANGE: k(422, 'Invalid range', '`to` is not after `from`.', 'Send from < to.'),
  PACKAGE_INACTIVE: k(422, 'Package inactive', 'The credit package is not for sale.', 'Activate it or buy another.'),
  PAYMENT_UNAVAILABLE: k(
    422,
    'Payment unavailable',
    'Immediate payment was asked for but no payment provider is configured.',
    "Use payment 'invoice'.",
  ),
  PAYMENT_FAILED: k(
    402,
    'Payment failed',
    'The payment provider declined the charge. Nothing was created and nothing is stored for the Idempotency-Key.',
    "Update the entity's payment method and retry.",
  ),

  // Subscriptions.
  PLAN_NOT_FOUND: k(
    422,
    'Plan not found',
    'The seat plan does not exist, is deleted or inactive.',
    'Use an active plan.',
  ),
  PLAN_NOT_COMPATIBLE: k(
    422,
    'Plan not compatible',
    "The plan's currency is not the entity's, or a plan change switches currency or interval.",
    'Pick a plan in the same currency and interval, or cancel and subscribe anew.',
  ),
  INVALID_SEATS: k(422, 'Invalid seats', 'seats must be a whole number from 1 to 1,000,000.', 'Send a whole number.'),
  INVALID_RESUME_AT: k(422, 'Invalid resumeAt', 'resumeAt is not in the future.', 'Send a future instant or null.'),
  SUBSCRIPTION_CANCELED: k(409, 'Subscription canceled', 'The subscription has ended.', 'Create a new subscription.'),
  SUBSCRIPTION_PAUSED: k(409, 'Subscription paused', 'The change needs an active subscription.', 'Resume it first.'),
  SUBSCRIPTION_NOT_PAUSED: k(409, 'Subscription not paused', 'Only a paused subscription resumes.', 'Nothing to do.'),
  SUBSCRIPTION_NOT_FOUND: k(
    404,
    'Subscription not found',
    'No such subscription in your organization.',
    'Check the id.',
  ),
  INVALID_SUBSCRIPTION_CHANGE: k(
    409,
    'Subscription change rejected',
    "The change is not possible in the subscription's current state.",
    'Read the subscription and retry a change that applies.',
  ),
  SEAT_PLAN_IN_USE: k(409, 'Seat plan in use', 'A live subscription uses the plan.', 'Deactivate the plan instead.'),

  // Invoices, jobs, workflows, webhooks, keys.
  INVOICE_NOT_VOIDABLE: k(
    409,
    'Invoice not voidable',
    'Only draft, open or uncollectible invoices can be voided.',
    'Read the invoice status: a paid invoice is refunded instead.',
  ),
  INVOICE_NOT_PAYABLE: k(
    409,
    'Invoice not payable',
    'Only open or uncollectible invoices can be marked paid.',
    'Read the invoice status: it is already paid or void.',
  ),
  JOB_FINISHED: k(409, 'Job already finished', 'The billing job is no longer running.', 'Nothing to cancel.'),
  BILLING_WORKFLOW_NOT_RUNNING: k(
    409,
    'Billing workflow not running',
    "The entity's billing workflow is not running, or is between two runs.",
    'Start it (POST /api/entities/{entityId}/billing-workflow) or retry shortly.',
  ),
  WEBHOOK_URL_NOT_ALLOWED: k(
    422,
    'Webhook URL not allowed',
    'The URL is not http(s), does not resolve, or resolves to a loopback, private or link-local address.',
    'Use a public URL (internal ones only with WEBHOOK_ALLOW_INTERNAL_URLS in development).',
  ),
  API_KEY_REVOKED: k(409, 'API key revoked', 'The key is already revoked.', 'Create a new key.'),
  ORGANIZATION_HAS_KEYS: k(
    409,
    'Organization has keys',
    'The bootstrap key may only mint a key for an organization without an active one.',
    'Use an admin key of the organization.',
  ),

  // Payments, refunds and disputes.
  CARD_DATA_REFUSED: k(
    422,
    'Card data refused',
    'The body carries what looks like card data (a card number, CVC). The API takes provider tokens only (PCI DSS SAQ-A).',
    "Tokenise the card with your payment provider's client library and send its token.",
  ),
  UNKNOWN_PAYMENT_METHOD: k(
    422,
    'Unknown payment method',
    'The provider does not know the token, or the payment method is not one of this entity.',
    'Send a token from the configured provider, or a payment method id of the entity.',
  ),
  PAYMENT_METHOD_REFUSED: k(
    422,
    'Payment method refused',
    'The payment provider refused to attach the payment method (declined, expired, ...); `detail` says why.',
    'Ask the customer for another payment method.',
  ),
  PAYMENT_METHOD_WRONG_PROVIDER: k(
    422,
    'Payment method of another provider',
    'The payment method was attached through another payment provider than the one now configured.',
    'Attach the payment method again through the current provider.',
  ),
  CURRENCY_NOT_SUPPORTED: k(
    422,
    'Currency not supported by the provider',
    "The payment provider does not charge in the entity's currency.",
    'Collect this entity by invoice, or configure a provider that charges in its currency.',
  ),
  PAYMENT_IN_PROGRESS: k(
    409,
    'Payment in progress',
    'A charge attempt of this invoice is still running.',
    'Wait for its outcome (the payment webhooks, or GET the invoice payments), then retry if it failed.',
  ),
  COLLECTION_ENDED: k(
    409,
    'Collection ended',
    'The collection of this invoice has ended (paid, voided, or dunning exhausted) and is never rerun.',
    'Mark the invoice paid or void it; a new charge needs a new invoice.',
  ),
  PAYMENT_PROVIDER_UNAVAILABLE: k(
    503,
    'Payment provider unavailable',
    "The payment provider did not answer in time; the charge's outcome is not known yet.",
    'Retry the request with the same Idempotency-Key: the provider call repeats with the same provider key.',
  ),
  INVOICE_NOT_REFUNDABLE: k(
    409,
    'Invoice not refundable',
    'Only a paid invoice has something to refund.',
    'Read the invoice status; void an unpaid invoice instead.',
  ),
  REFUND_EXCEEDS_PAID: k(
    422,
    'Refund exceeds what was paid',
    'The amount is more than what is still refundable on the invoice (paid minus earlier refunds).',
    'Refund at most the refundable amount `detail` names.',
  ),
  // Marketplace money flows.
  INVALID_COMMISSION_PLAN: k(
    422,
    'Invalid commission plan',
    'The plan cannot be applied as written: a percent outside 0..100 or with more than 4 decimals, an amount finer ' +
      "than the currency's minor unit, tiers not increasing or not ending with an open tier, minimum above maximum. " +
      '`detail` names the first problem.',
    'Fix the plan as `detail` says; nothing was written.',
  ),
  INVALID_SPLIT_RULE: k(
    422,
    'Invalid split rule',
    'The shares do not sum to exactly 100, a share is not above 0, a party appears twice, or a payee split names the ' +
      'marketplace.',
    'Fix the shares as `detail` says; nothing was written.',
  ),
  INVALID_SPLIT_WINDOW: k(
    422,
    'Invalid split window',
    'validFrom is not before validUntil.',
    'Give a window that starts before it ends, or leave either end open.',
  ),
  INVALID_WORK_PAYMENT: k(
    422,
    'Invalid work payment',
    "The amount is not in the commission plan's currency, not positive, or finer than the currency's minor unit.",
    "Charge in the plan's currency, in whole minor units, or use a plan of the payment's currency.",
  ),
  UNBALANCED_LEDGER_TRANSACTION: k(
    500,
    'Unbalanced ledger transaction',
    'The platform refused to write a ledger transaction whose postings do not sum to zero; nothing was written.',
    'Report it with the request id: it is a defect of the platform, never of the request.',
  ),
  PAYOUT_DETAILS_INCOMPLETE: k(
    422,
    'Payout details incomplete',
    'A payout token was given without its payout provider, or a provider without a token.',
    'Send payoutProvider and payoutToken together, or neither.',
  ),
  UNKNOWN_PAYEE: k(
    422,
    'Unknown payee',
    "A payee named in the request (the payment's payeeId, or a party of a split rule) is not a payee of this " +
      'organization.',
    'Create the payee first (POST /api/marketplace/payees) and use its id.',
  ),
  UNKNOWN_ENTITY: k(
    422,
    'Unknown entity',
    'The entity named in the body is not an entity of this organization (or was deleted).',
    'Use the id of one of your entities.',
  ),
  UNKNOWN_COMMISSION_PLAN: k(
    422,
    'Unknown commission plan',
    'The commission plan named is not a plan of this organization.',
    'Create the plan first (POST /api/marketplace/commission-plans) and use its id.',
  ),
  UNKNOWN_SPLIT_RULE: k(
    422,
    'Unknown split rule',
    'A split rule named is not a rule of this organization.',
    'Create the rule first (POST /api/marketplace/split-rules) and use its id.',
  ),
  SPLIT_RULE_BASE_MISMATCH: k(
    422,
    'Split rule of the other kind',
    'A commission split was named as the payee split, or a payee split as the commission split.',
    'Name a payee_amount rule as payeeSplitRuleId and a commission rule as commissionSplitRuleId.',
  ),
  SPLIT_RULE_NOT_IN_FORCE: k(
    422,
    'Split rule not in force',
    'The split rule named is outside its validity window now (a referral share that ended, or has not begun).',
    'Leave the rule out, or name one in force.',
  ),
  WORK_PAYMENT_NOT_REFUNDABLE: k(
    409,
    'Work payment not refundable',
    'Only a succeeded work payment has something to refund.',
    'Read the work payment: a failed one took no money.',
  ),
  REFUND_FAILED: k(
    402,
    'Refund failed',
    'The payment provider refused the refund; the refund is recorded as failed with its reason.',
    'Read the failure in `detail`; refund by other means and record a credit note if needed.',
  ),
  INVALID_SIGNATURE: k(
    401,
    'Invalid signature',
    'A payment provider webhook whose signature header does not verify with the configured secret. Nothing changed.',
    "Check the provider's webhook signing secret (STRIPE_WEBHOOK_SECRET).",
  ),
  WEBHOOKS_NOT_CONFIGURED: k(
    503,
    'Provider webhooks not configured',
    'The provider webhook endpoint has no signing secret configured, so it cannot verify any event.',
    'Set STRIPE_WEBHOOK_SECRET on the API.',
  ),

  // Documents.
  LINK_INVALID: k(
    404,
    'Link invalid',
    'The signed document link is unknown, tampered with or expired.',
    'Ask for a new link (the invoice response carries a fresh one).',
  ),
  PDF_RENDERER_UNAVAILABLE: k(
    503,
    'PDF unavailable',
    'This API process cannot render PDFs right now (no browser available).',
    'Use the HTML document, or retry later.',
  ),

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

/** A code as given, or its lower-case kebab form (`not-found`): the catalog key, or undefined. */
export function problemCode(raw: string): string | undefined {
  const code = raw.toUpperCase().replaceAll('-', '_');
  return Object.hasOwn(PROBLEM_CATALOG, code) ? code : undefined;
}

/** The `type` of a problem with this code: the API's own page about it. */
export const problemTypeUrl = (code: string) => `/problems/${code}`;
