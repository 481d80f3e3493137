// The built-in sandbox provider (the default of `npm start`, PAYMENT_PROVIDER=sandbox): deterministic outcomes chosen
// by the payment method token, so demos and tests walk every collection path without a real processor. Its test
// payment methods (README "Payments", and the OpenAPI document):
//   pm_card_ok (or none)              succeeds
//   pm_card_declined                  fails every attempt (card_declined; dunning retries)
//   pm_card_insufficient_funds        fails every attempt (insufficient_funds; dunning retries)
//   pm_card_authentication_required   fails every attempt (authentication_required: waits for the customer)
//   pm_card_expired                   fails every attempt (expired_card: waits for the customer)
//   pm_card_timeout                   times out on the first call of each idempotency key (outcome unknown), then
//                                     succeeds when the same key is sent again; so do refunds of its charges
//   pm_card_fail_then_ok              fails the first attempt, succeeds from the second
//   pm_card_fail_<n>_then_ok          fails the first n attempts, succeeds afterwards
// Attaching any other token is refused (UNKNOWN_PAYMENT_METHOD); charging one fails with invalid_payment_method.
// Refunds of its charges succeed up to what is left of the charge; beyond it they fail (charge_already_refunded when
// nothing is left, else amount_too_large), as at a real provider. Repeating an idempotency key returns the first
// outcome. All of this is per process: the sandbox moves no money, so a repeat in another process deciding again is
// harmless, and a charge another process made is refunded without the check.
import { createHash } from 'node:crypto';
import { Money } from '../../domain/money.js';
import {
  type AttachedPaymentMethod,
  type ChargeRequest,
  type ChargeResult,
  NON_SETTLEMENT_CURRENCIES,
  PaymentMethodRefusedError,
  type PaymentProvider,
  PaymentProviderTimeoutError,
  type RefundResult,
} from './paymentProvider.js';

export const SANDBOX_DEFAULT_PAYMENT_METHOD = 'pm_card_ok';

/** Every sandbox test method with the card details the sandbox reports for it (Stripe's test cards' last digits). */
const SANDBOX_CARDS: Record<string, { brand: string; last4: string }> = {
  pm_card_ok: { brand: 'visa', last4: '4242' },
  pm_card_declined: { brand: 'visa', last4: '0002' },
  pm_card_insufficient_funds: { brand: 'visa', last4: '9995' },
  pm_card_authentication_required: { brand: 'visa', last4: '3155' },
  pm_card_expired: { brand: 'visa', last4: '0069' },
  pm_card_timeout: { brand: 'visa', last4: '0119' },
  pm_card_fail_then_ok: { brand: 'mastercard', last4: '4444' },
};
const FAIL_N_THEN_OK = /^pm_card_fail_(?:(\d{1,3})_)?then_ok$/;

export const isSandboxPaymentMethod = (token: string) => token in SANDBOX_CARDS || FAIL_N_THEN_OK.test(token);

export function sandboxOutcome(paymentMethod: string, attempt: number): ChargeResult | 'timeout' {
  const fail = (errorCode: string, errorMessage: string): ChargeResult => ({
    status: 'failed',
    providerRef: null,
    errorCode,
    errorMessage,
  });
  const ok: ChargeResult = { status: 'succeeded', providerRef: 'sb_ok' };
  if (paymentMethod === 'pm_card_ok') return ok;
  if (paymentMethod === 'pm_card_declined') return fail('card_declined', 'The card was declined.');
  if (paymentMethod === 'pm_card_insufficient_funds') return fail('insufficient_funds', 'Insufficient funds.');
  if (paymentMethod === 'pm_card_authentication_required') {
    return fail('authentication_required', 'The payment needs the customer to authenticate it.');
  }
  if (paymentMethod === 'pm_card_expired') return fail('expired_card', 'The card has expired.');
  if (paymentMethod === 'pm_card_timeout') return 'timeout';
  const m = FAIL_N_THEN_OK.exec(paymentMethod);
  if (m) {
    const failures = m[1] === undefined ? 1 : Number(m[1]);
    return attempt <= failures ? fail('card_declined', 'The card was declined.') : ok;
  }
  return fail('invalid_payment_method', `Unknown sandbox payment method ${paymentMethod}.`);
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export function createSandboxPaymentProvider(): PaymentProvider {
  const charges = new Map<string, ChargeResult>();
  const refunds = new Map<string, RefundResult>();
  const timedOut = new Set<string>();
  /** Charges made by this process: what they took, with which method, and what was refunded of them. */
  const made = new Map<string, { amount: Money; paymentMethod: string; refunded: Money }>();
  /** The first call of the key times out (outcome unknown); true when it did. */
  const timesOut = (key: string) => {
    if (timedOut.has(key)) return false;
    timedOut.add(key);
    return true;
  };
  return {
    name: 'sandbox',
    fallbackPaymentMethod: SANDBOX_DEFAULT_PAYMENT_METHOD,
    supportsCurrency: (currency) => !NON_SETTLEMENT_CURRENCIES.has(currency),
    async createCustomer(request) {
      return { customerRef: `cus_sandbox_${digest(request.entityId)}` };
    },
    async attachPaymentMethod(request): Promise<AttachedPaymentMethod> {
      if (!isSandboxPaymentMethod(request.token)) {
        throw new PaymentMethodRefusedError(
          'UNKNOWN_PAYMENT_METHOD',
          'The sandbox knows only its test payment methods (pm_card_ok, pm_card_declined, ...)',
        );
      }
      const card = SANDBOX_CARDS[request.token] ?? { brand: 'mastercard', last4: '4444' };
      return { providerRef: request.token, type: 'card', ...card, expMonth: 12, expYear: 2034 };
    },
    async detachPaymentMethod() {},
    async charge(request: ChargeRequest): Promise<ChargeResult> {
      // Like a real provider, only whole minor units (throws INVALID_AMOUNT otherwise).
      Money.of(request.amount, request.currency).toMinorUnits();
      const previous = charges.get(request.idempotencyKey);
      if (previous) return previous;
      const outcome = NON_SETTLEMENT_CURRENCIES.has(request.currency)
        ? ({
            status: 'failed',
            providerRef: null,
            errorCode: 'currency_not_supported',
            errorMessage: `The sandbox does not charge in ${request.currency}.`,
          } as const)
        : sandboxOutcome(request.paymentMethod, request.attempt);
      let result: ChargeResult;
      if (outcome === 'timeout') {
        // The first call of a key gets no answer; the repeat with the same key is answered (and was charged once).
        if (timesOut(request.idempotencyKey)) throw new PaymentProviderTimeoutError('sandbox provider timed out');
        result = { status: 'succeeded', providerRef: `ch_sandbox_${digest(request.idempotencyKey)}` };
      } else {
        result =
          outcome.status === 'succeeded'
            ? { status: 'succeeded', providerRef: `ch_sandbox_${digest(request.idempotencyKey)}` }
            : outcome;
      }
      charges.set(request.idempotencyKey, result);
      if (result.status === 'succeeded') {
        const amount = Money.of(request.amount, request.currency);
        made.set(result.providerRef, {
          amount,
          paymentMethod: request.paymentMethod,
          refunded: Money.zero(request.currency),
        });
      }
      return result;
    },
    async chargeStatus(providerRef) {
      // The sandbox decides at once: every charge it made succeeded (a failed one has no reference).
      return { status: 'succeeded', providerRef };
    },
    async refund(request): Promise<RefundResult> {
      const amount = Money.of(request.amount, request.currency);
      amount.toMinorUnits();
      const previous = refunds.get(request.idempotencyKey);
      if (previous) return previous;
      const charge = made.get(request.paymentRef);
      if (charge?.paymentMethod === 'pm_card_timeout' && timesOut(`refund:${request.idempotencyKey}`)) {
        throw new PaymentProviderTimeoutError('sandbox provider timed out');
      }
      const fail = (errorCode: string, errorMessage: string): RefundResult => ({
        status: 'failed',
        providerRef: null,
        errorCode,
        errorMessage,
      });
      let result: RefundResult;
      if (!request.paymentRef.startsWith('ch_sandbox_')) {
        result = fail('charge_not_found', `No sandbox charge ${request.paymentRef}.`);
      } else if (charge && amount.greaterThan(charge.amount.subtract(charge.refunded))) {
        const left = charge.amount.subtract(charge.refunded);
        result = fail(
          left.isZero() ? 'charge_already_refunded' : 'amount_too_large',
          `Refund amount ${amount.toString()} is greater than what is left of the charge (${left.toString()}).`,
        );
      } else {
        if (charge) charge.refunded = charge.refunded.add(amount);
        result = { status: 'succeeded', providerRef: `re_sandbox_${digest(request.idempotencyKey)}` };
      }
      refunds.set(request.idempotencyKey, result);
      return result;
    },
  };
}
