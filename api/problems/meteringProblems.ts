// Problems of metering and pricing: events, price books, money amounts.
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
};
