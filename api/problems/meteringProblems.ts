// Problems of metering, pricing and money: events, price books, amounts, exchange rates.
import { k, type ProblemKind } from './problemKind.js';

export const METERING_PROBLEMS: Record<string, ProblemKind> = {
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
  INVALID_EXCHANGE_RATE: k(
    422,
    'Invalid exchange rate',
    'An exchange rate that cannot be held: not positive, more than 10 decimals or 10 integer digits, or a pair of one ' +
      'currency.',
    'Send a positive rate between two different currencies.',
  ),
  NO_EXCHANGE_RATE: k(
    422,
    'No exchange rate in force',
    'A conversion needs a rate between two currencies at an instant and the organization holds none for it (nor for ' +
      'the reverse pair, nor both legs through EUR) at or before that instant. Nothing was written.',
    'Post the rate (POST /api/billing/exchange-rates or `npm run rates:import`), or give the rate in the request ' +
      'where the operation takes one.',
  ),
  EXCHANGE_RATE_CONFLICT: k(
    409,
    'Exchange rate already held',
    'The organization already holds another rate for this pair and effective instant. A rate in force may have been ' +
      'used by a transfer or a report, so it is never overwritten.',
    'Post the corrected rate with a later `effectiveAt`.',
  ),
  EXCHANGE_RATE_NOT_APPLICABLE: k(
    422,
    'No rate is taken here',
    'A rate was given for an operation between amounts of one currency (a transfer between two entities that share ' +
      'a currency).',
    'Leave `rate` out.',
  ),
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
    'After the write an event type would be priced twice at one level in one currency (regional pricing is one book ' +
      'per currency: a book in another currency is another region, never a conflict). `conflicts[]` lists event ' +
      'types, books and entities.',
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
    "The organization prices event types (`conflicts[]`) only in other currencies than the new entity's: it could " +
      'not rate those events. Nothing was created.',
    'Add an organization price book in that currency for them, or create the entity with its own `priceBook`.',
  ),
  INVALID_TEAM: k(422, 'Invalid team', 'teamId is not a team of this entity.', 'Use a team of the same entity.'),
};
