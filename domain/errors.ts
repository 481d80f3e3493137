/**
 * Typed errors of the billing domain.
 *
 * Every error carries a stable machine `code` (the API maps it to an RFC 9457 problem+json `code`) and
 * JSON-serialisable `details`, so a workflow or activity can rethrow it across a Temporal payload
 * boundary without losing what went wrong. Messages are for humans and may change; codes may not.
 */

export type DomainErrorCode =
  | 'CURRENCY_MISMATCH'
  | 'UNKNOWN_CURRENCY'
  | 'INVALID_AMOUNT'
  | 'INVALID_QUANTITY'
  | 'INVALID_ALLOCATION'
  | 'INVALID_PRICE_DEFINITION'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_BILLING_SCHEDULE'
  | 'INVALID_TIME_ZONE'
  | 'CHANGE_OUTSIDE_PERIOD'
  | 'INVALID_SUBSCRIPTION_CHANGE'
  | 'INVALID_INVOICE_LINE'
  | 'INVALID_CREDIT_GRANT'
  | 'REFUND_EXCEEDS_PAID'
  | 'INVALID_EXCHANGE_RATE'
  | 'NO_EXCHANGE_RATE'
  | 'INVALID_COMMISSION_PLAN'
  | 'INVALID_SPLIT_RULE'
  | 'INVALID_WORK_PAYMENT'
  | 'UNBALANCED_LEDGER_TRANSACTION';

export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

export abstract class BillingDomainError extends Error {
  abstract readonly code: DomainErrorCode;
  readonly details: ErrorDetails;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export function isBillingDomainError(error: unknown): error is BillingDomainError {
  return error instanceof BillingDomainError;
}

export class CurrencyMismatchError extends BillingDomainError {
  readonly code = 'CURRENCY_MISMATCH' as const;
  constructor(expected: string, actual: string) {
    super(`Currency mismatch: expected ${expected}, got ${actual}`, { expected, actual });
  }
}

export class UnknownCurrencyError extends BillingDomainError {
  readonly code = 'UNKNOWN_CURRENCY' as const;
  constructor(currency: string) {
    super(`Unknown or unsupported ISO 4217 currency: ${JSON.stringify(currency)}`, { currency });
  }
}

export class InvalidAmountError extends BillingDomainError {
  readonly code = 'INVALID_AMOUNT' as const;
  constructor(reason: string, value?: string) {
    super(`Invalid amount: ${reason}`, value === undefined ? { reason } : { reason, value });
  }
}

export class InvalidQuantityError extends BillingDomainError {
  readonly code = 'INVALID_QUANTITY' as const;
  constructor(reason: string, value?: string) {
    super(`Invalid quantity: ${reason}`, value === undefined ? { reason } : { reason, value });
  }
}

export class InvalidAllocationError extends BillingDomainError {
  readonly code = 'INVALID_ALLOCATION' as const;
  constructor(reason: string) {
    super(`Invalid allocation: ${reason}`, { reason });
  }
}

export class InvalidPriceDefinitionError extends BillingDomainError {
  readonly code = 'INVALID_PRICE_DEFINITION' as const;
  constructor(reason: string, eventType?: string) {
    super(
      eventType === undefined ? `Invalid price definition: ${reason}` : `Invalid price for ${eventType}: ${reason}`,
      eventType === undefined ? { reason } : { reason, eventType },
    );
  }
}

export class UnknownEventTypeError extends BillingDomainError {
  readonly code = 'UNKNOWN_EVENT_TYPE' as const;
  readonly eventType: string;
  constructor(eventType: string) {
    super(`No price is defined for event type ${JSON.stringify(eventType)}`, { eventType });
    this.eventType = eventType;
  }
}

export class InvalidBillingScheduleError extends BillingDomainError {
  readonly code = 'INVALID_BILLING_SCHEDULE' as const;
  constructor(reason: string) {
    super(`Invalid billing schedule: ${reason}`, { reason });
  }
}

export class InvalidTimeZoneError extends BillingDomainError {
  readonly code = 'INVALID_TIME_ZONE' as const;
  constructor(timeZone: string) {
    super(`Unknown IANA time zone: ${JSON.stringify(timeZone)}`, { timeZone });
  }
}

// toISOString throws on an invalid Date; an error about a bad instant must still be constructible.
function showInstant(instant: Date): string {
  return Number.isFinite(instant.getTime()) ? instant.toISOString() : 'Invalid Date';
}

export class ChangeOutsidePeriodError extends BillingDomainError {
  readonly code = 'CHANGE_OUTSIDE_PERIOD' as const;
  constructor(at: Date, start: Date, end: Date) {
    const [a, s, e] = [showInstant(at), showInstant(start), showInstant(end)];
    super(`Change at ${a} is outside the period [${s}, ${e})`, { at: a, periodStart: s, periodEnd: e });
  }
}

export class InvalidSubscriptionChangeError extends BillingDomainError {
  readonly code = 'INVALID_SUBSCRIPTION_CHANGE' as const;
  constructor(reason: string) {
    super(`Invalid subscription change: ${reason}`, { reason });
  }
}

export class InvalidInvoiceLineError extends BillingDomainError {
  readonly code = 'INVALID_INVOICE_LINE' as const;
  constructor(reason: string, position?: number) {
    super(
      position === undefined ? `Invalid invoice line: ${reason}` : `Invalid invoice line ${position}: ${reason}`,
      position === undefined ? { reason } : { reason, position },
    );
  }
}

export class InvalidCreditGrantError extends BillingDomainError {
  readonly code = 'INVALID_CREDIT_GRANT' as const;
  constructor(reason: string, grantId?: string) {
    super(
      grantId === undefined ? `Invalid credit grant: ${reason}` : `Invalid credit grant ${grantId}: ${reason}`,
      grantId === undefined ? { reason } : { reason, grantId },
    );
  }
}

export class InvalidExchangeRateError extends BillingDomainError {
  readonly code = 'INVALID_EXCHANGE_RATE' as const;
  constructor(reason: string, value?: string) {
    super(`Invalid exchange rate: ${reason}`, value === undefined ? { reason } : { reason, value });
  }
}

export class NoExchangeRateError extends BillingDomainError {
  readonly code = 'NO_EXCHANGE_RATE' as const;
  constructor(base: string, quote: string, at: string) {
    super(`No exchange rate from ${base} to ${quote} is in force at ${at}`, { base, quote, at });
  }
}
