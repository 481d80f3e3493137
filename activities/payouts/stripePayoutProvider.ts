// Payouts as Stripe Connect transfers (PAYMENT_PROVIDER=stripe): a Transfer of the payout's amount from the
// platform's balance to the payee's connected account (its payout token, acct_...), with the platform's key
// payout:<payoutId>:<attempt> as Stripe's idempotency key, so a repeated call returns Stripe's first answer.
//   created                                   -> paid
//   400 balance_insufficient                  -> failed, retryable (the platform's balance is topped up later)
//   other 4xx (an unknown or closed account)  -> failed for good: the money returns to the payee's balance
//   no answer, connection error, 429, 5xx     -> PayoutProviderTimeoutError: the outcome is unknown, the activity
//                                                repeats the call with the same key
import Stripe from 'stripe';
import { Money } from '../../domain/money.js';
import { type StripeProviderOptions, stripeClient } from '../payments/stripePaymentProvider.js';
import type { PayoutProvider, TransferRequest, TransferResult } from './payoutProvider.js';

/** Stripe did not answer (or answered 5xx/429): the transfer may or may not exist; repeat with the same key. */
export class PayoutProviderTimeoutError extends Error {
  readonly code = 'PROVIDER_TIMEOUT';
}

const RETRYABLE_CODES = new Set(['balance_insufficient', 'insufficient_funds']);

export function createStripePayoutProvider(options: StripeProviderOptions): PayoutProvider {
  const stripe = stripeClient(options);
  return {
    name: 'stripe',
    async transfer(request: TransferRequest): Promise<TransferResult> {
      const amount = Number(Money.of(request.amount, request.currency).toMinorUnits());
      try {
        const transfer = await stripe.transfers.create(
          {
            amount,
            currency: request.currency.toLowerCase(),
            destination: request.destination,
            metadata: request.metadata,
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return { status: 'paid', providerRef: transfer.id };
      } catch (err) {
        if (!(err instanceof Stripe.errors.StripeError)) throw err;
        const e = err as unknown as { type?: string; code?: string; message?: string; statusCode?: number };
        // Only Stripe's refusal of the request itself says no transfer was made. Anything else may have made one:
        // a timeout, a 5xx, and a 409 idempotency error (the same key still in flight after a timed-out first call,
        // whose transfer may yet succeed). Returning those as failures would put the money back on the balance and
        // pay it again next time, so they are "outcome unknown" and the activity asks again with the same key.
        const refused = e.type === 'StripeInvalidRequestError' || e.type === 'StripeCardError';
        if (!refused)
          throw new PayoutProviderTimeoutError(`Stripe transfer: outcome unknown (${e.type}: ${e.message ?? ''})`);
        const code = e.code || 'transfer_failed';
        return {
          status: 'failed',
          errorCode: code,
          errorMessage: e.message ?? code,
          retryable: RETRYABLE_CODES.has(code),
        };
      }
    },
  };
}
