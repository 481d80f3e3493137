// The built-in sandbox provider: deterministic outcomes chosen by the payment method, so demos and tests can walk
// every collection path without a real processor.
//   pm_card_ok (or none)          succeeds
//   pm_card_declined              fails every attempt (card_declined)
//   pm_card_insufficient_funds    fails every attempt (insufficient_funds)
//   pm_card_timeout               the provider times out (PaymentProviderTimeoutError; the attempt counts as failed)
//   pm_card_fail_then_ok          fails the first attempt, succeeds from the second
//   pm_card_fail_<n>_then_ok      fails the first n attempts, succeeds afterwards
// Any other value fails with invalid_payment_method. Repeating an idempotency key returns the first outcome.
import { createHash } from 'node:crypto';
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  PaymentProviderTimeoutError,
} from './paymentProvider.js';

export const SANDBOX_DEFAULT_PAYMENT_METHOD = 'pm_card_ok';

export function sandboxOutcome(paymentMethod: string, attempt: number): ChargeResult | 'timeout' {
  const ref = (suffix: string) => `sb_${suffix}`;
  const fail = (errorCode: string, errorMessage: string): ChargeResult => ({
    status: 'failed',
    providerRef: null,
    errorCode,
    errorMessage,
  });
  if (paymentMethod === 'pm_card_ok') return { status: 'succeeded', providerRef: ref('ok') };
  if (paymentMethod === 'pm_card_declined') return fail('card_declined', 'The card was declined.');
  if (paymentMethod === 'pm_card_insufficient_funds') return fail('insufficient_funds', 'Insufficient funds.');
  if (paymentMethod === 'pm_card_timeout') return 'timeout';
  const m = /^pm_card_fail_(?:(\d+)_)?then_ok$/.exec(paymentMethod);
  if (m) {
    const failures = m[1] === undefined ? 1 : Number(m[1]);
    return attempt <= failures
      ? fail('card_declined', 'The card was declined.')
      : { status: 'succeeded', providerRef: ref('ok') };
  }
  return fail('invalid_payment_method', `Unknown sandbox payment method ${paymentMethod}.`);
}

export function createSandboxPaymentProvider(): PaymentProvider {
  const seen = new Map<string, ChargeResult>();
  return {
    name: 'sandbox',
    async charge(request: ChargeRequest): Promise<ChargeResult> {
      const previous = seen.get(request.idempotencyKey);
      if (previous) return previous;
      const outcome = sandboxOutcome(request.paymentMethod, request.attempt);
      if (outcome === 'timeout') throw new PaymentProviderTimeoutError('sandbox provider timed out');
      const digest = createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 16);
      const result: ChargeResult =
        outcome.status === 'succeeded' ? { status: 'succeeded', providerRef: `ch_sandbox_${digest}` } : outcome;
      seen.set(request.idempotencyKey, result);
      return result;
    },
  };
}
