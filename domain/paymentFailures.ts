/**
 * What a failed charge attempt means for dunning. Providers report failures with their own codes; adapters normalize
 * them to the codes below (Stripe's error `code` or `decline_code` mostly pass through unchanged) and this module
 * decides, for every provider alike:
 *   - retry: the next scheduled attempt may succeed with the same payment method (a decline, insufficient funds, a
 *     processing error at the issuer). The collection keeps its schedule.
 *   - customer_action: charging the same method again cannot succeed until the customer acts (authenticates the
 *     payment, replaces an expired, lost or unusable card) or the organization fixes its setup (a currency the provider
 *     refuses). The collection makes no further automatic attempt; it waits for a retry (the API's retry-payment,
 *     typically with a new payment method) until the schedule runs out, then the invoice is past due as usual.
 * An attempt whose outcome the provider has not decided yet (Stripe's `processing`) is not a failure at all: the
 * collection waits for the provider's webhook.
 */

export type DunningDecision = 'retry' | 'customer_action';

/** Failures that need the customer (or the organization), never another automatic attempt with the same method. */
const CUSTOMER_ACTION_CODES: ReadonlySet<string> = new Set([
  'authentication_required',
  'expired_card',
  'lost_card',
  'stolen_card',
  'pickup_card',
  'restricted_card',
  'invalid_account',
  'card_not_supported',
  'currency_not_supported',
  'invalid_payment_method',
  'payment_method_missing',
  'payment_method_unactivated',
  'payment_method_not_available',
  'incorrect_number',
  'invalid_number',
  'invalid_expiry_month',
  'invalid_expiry_year',
  'transaction_not_allowed',
  'revocation_of_authorization',
  'stop_payment_order',
]);

export function dunningDecision(errorCode: string): DunningDecision {
  return CUSTOMER_ACTION_CODES.has(errorCode) ? 'customer_action' : 'retry';
}
