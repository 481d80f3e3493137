// The Stripe adapter (PAYMENT_PROVIDER=stripe), on the official `stripe` SDK. One Stripe Customer per entity; a charge
// is a PaymentIntent confirmed off-session with the entity's default payment method and the platform's idempotency
// key (payment:<invoiceId>:<attempt>); a refund is a Refund of that PaymentIntent (key refund:<refundId>). Amounts go
// to Stripe in the currency's minor unit (ISO 4217 digits, domain/currencies.ts), currency codes in lower case.
//
// Answers map onto the dunning decisions (domain/paymentFailures.ts):
//   succeeded                                  -> succeeded
//   processing                                 -> processing (payment_intent.succeeded / .payment_failed tell later)
//   402 card error                             -> failed with the issuer's decline_code (insufficient_funds, ...) or
//                                                 the error code (card_declined, expired_card, authentication_required)
//   requires_action (needs 3-D Secure)         -> failed authentication_required (the customer must act)
//   requires_payment_method / canceled         -> failed with last_payment_error's code, else payment_failed
//   no answer, connection error, 429, 5xx      -> PaymentProviderTimeoutError: the outcome is unknown, the caller
//                                                 repeats the call with the same key (Stripe replays its first answer)
// A currency Stripe cannot charge in fails as currency_not_supported before any call.
import Stripe from 'stripe';
import { Money } from '../../domain/money.js';
import {
  type AttachedPaymentMethod,
  type ChargeResult,
  NON_SETTLEMENT_CURRENCIES,
  PaymentMethodRefusedError,
  type PaymentProvider,
  PaymentProviderTimeoutError,
  type RefundResult,
} from './paymentProvider.js';

export interface StripeProviderOptions {
  /** STRIPE_SECRET_KEY (sk_live_... / sk_test_...). Never logged. */
  secretKey: string;
  /** STRIPE_API_BASE: another Stripe API (stripe-mock in tests), e.g. http://127.0.0.1:12111. */
  apiBase?: string | undefined;
  /** Per request; an unanswered request is an unknown outcome. Default 20 s. */
  timeoutMs?: number | undefined;
}

/** Currencies Stripe does not process (besides the funds codes no provider settles in). */
const STRIPE_UNSUPPORTED = new Set([...NON_SETTLEMENT_CURRENCIES, 'CUP', 'IRR', 'KPW', 'SYP', 'VED']);

export function stripeClient(options: StripeProviderOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : null;
  return new Stripe(options.secretKey, {
    timeout: options.timeoutMs ?? 20_000,
    // The platform repeats a call whose outcome is unknown itself (same key, Temporal's retry): none inside the SDK,
    // so a timeout surfaces once, to be recorded and retried where it is visible.
    maxNetworkRetries: 0,
    telemetry: false,
    appInfo: { name: 'marketplace-billing' },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

interface StripeErrorLike {
  type?: string;
  code?: string;
  decline_code?: string;
  message?: string;
  param?: string;
  statusCode?: number;
  payment_intent?: { id: string };
}

const asStripeError = (err: unknown): StripeErrorLike | null =>
  err instanceof Stripe.errors.StripeError ? (err as unknown as StripeErrorLike) : null;

/** Outcome unknown: the request may or may not have been carried out. */
function isUnknownOutcome(e: StripeErrorLike): boolean {
  return (
    e.type === 'StripeConnectionError' ||
    e.type === 'StripeAPIError' ||
    e.type === 'StripeRateLimitError' ||
    (e.statusCode !== undefined && e.statusCode >= 500)
  );
}

/** The issuer's reason when it gave one (insufficient_funds, lost_card, ...), else Stripe's code. */
function failureCode(code: string | undefined | null, declineCode: string | undefined | null): string {
  if (declineCode && declineCode !== 'generic_decline') return declineCode;
  return code || 'card_declined';
}

/** Minor units as the JSON number Stripe takes; an amount beyond a safe integer is refused as amount_too_large. */
function stripeAmount(amount: string, currency: string): number | null {
  const units = Number(Money.of(amount, currency).toMinorUnits());
  return Number.isSafeInteger(units) ? units : null;
}

export function mapPaymentIntent(pi: Stripe.PaymentIntent): ChargeResult {
  switch (pi.status) {
    case 'succeeded':
      return { status: 'succeeded', providerRef: pi.id };
    case 'processing':
      return { status: 'processing', providerRef: pi.id };
    case 'requires_action':
      return {
        status: 'failed',
        providerRef: pi.id,
        errorCode: 'authentication_required',
        errorMessage: 'The payment needs the customer to authenticate it.',
      };
    default: {
      const error = pi.last_payment_error;
      return {
        status: 'failed',
        providerRef: pi.id,
        errorCode: error?.code || error?.decline_code ? failureCode(error.code, error.decline_code) : 'payment_failed',
        errorMessage: error?.message ?? `The PaymentIntent is ${pi.status}.`,
      };
    }
  }
}

export function createStripePaymentProvider(options: StripeProviderOptions): PaymentProvider {
  const stripe = stripeClient(options);
  const unknown = (what: string, e: StripeErrorLike) =>
    new PaymentProviderTimeoutError(`Stripe ${what}: outcome unknown (${e.type}: ${e.message ?? ''})`);

  return {
    name: 'stripe',
    supportsCurrency: (currency) => !STRIPE_UNSUPPORTED.has(currency),

    async createCustomer(request) {
      try {
        const customer = await stripe.customers.create(
          {
            name: request.name,
            metadata: { entityId: request.entityId, organizationId: request.organizationId },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return { customerRef: customer.id };
      } catch (err) {
        const e = asStripeError(err);
        if (e && isUnknownOutcome(e)) throw unknown('customer', e);
        throw err;
      }
    },

    async attachPaymentMethod(request): Promise<AttachedPaymentMethod> {
      try {
        const pm = await stripe.paymentMethods.attach(
          request.token,
          { customer: request.customerRef },
          { idempotencyKey: request.idempotencyKey },
        );
        return {
          providerRef: pm.id,
          type: pm.type,
          brand: pm.card?.brand ?? null,
          last4: pm.card?.last4 ?? null,
          expMonth: pm.card?.exp_month ?? null,
          expYear: pm.card?.exp_year ?? null,
        };
      } catch (err) {
        const e = asStripeError(err);
        if (!e) throw err;
        if (isUnknownOutcome(e)) throw unknown('payment method', e);
        if (e.code === 'resource_missing') {
          throw new PaymentMethodRefusedError('UNKNOWN_PAYMENT_METHOD', 'Stripe knows no such payment method');
        }
        if (e.type === 'StripeCardError' || e.type === 'StripeInvalidRequestError') {
          throw new PaymentMethodRefusedError('PAYMENT_METHOD_REFUSED', e.message ?? 'Stripe refused the method');
        }
        throw err;
      }
    },

    async detachPaymentMethod(request) {
      try {
        await stripe.paymentMethods.detach(request.providerRef);
      } catch (err) {
        const e = asStripeError(err);
        // Already detached, or never known: nothing left to do.
        if (e?.code === 'resource_missing' || e?.code === 'payment_method_unexpected_state') return;
        if (e && isUnknownOutcome(e)) throw unknown('detach', e);
        throw err;
      }
    },

    async charge(request): Promise<ChargeResult> {
      if (STRIPE_UNSUPPORTED.has(request.currency)) {
        return {
          status: 'failed',
          providerRef: null,
          errorCode: 'currency_not_supported',
          errorMessage: `Stripe does not charge in ${request.currency}.`,
        };
      }
      const amount = stripeAmount(request.amount, request.currency);
      if (amount === null) {
        return { status: 'failed', providerRef: null, errorCode: 'amount_too_large', errorMessage: request.amount };
      }
      try {
        const pi = await stripe.paymentIntents.create(
          {
            amount,
            currency: request.currency.toLowerCase(),
            ...(request.customerRef ? { customer: request.customerRef } : {}),
            payment_method: request.paymentMethod,
            off_session: true,
            confirm: true,
            description: request.description,
            metadata: request.metadata,
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return mapPaymentIntent(pi);
      } catch (err) {
        const e = asStripeError(err);
        if (!e) throw err;
        if (isUnknownOutcome(e)) throw unknown('charge', e);
        if (e.type === 'StripeCardError') {
          return {
            status: 'failed',
            providerRef: e.payment_intent?.id ?? null,
            errorCode: failureCode(e.code, e.decline_code),
            errorMessage: e.message ?? 'The card was declined.',
          };
        }
        if (e.type === 'StripeInvalidRequestError') {
          const code =
            e.param === 'currency'
              ? 'currency_not_supported'
              : e.code === 'resource_missing' && e.param === 'payment_method'
                ? 'invalid_payment_method'
                : (e.code ?? 'invalid_request');
          return {
            status: 'failed',
            providerRef: e.payment_intent?.id ?? null,
            errorCode: code,
            errorMessage: e.message ?? '',
          };
        }
        throw err;
      }
    },

    async chargeStatus(providerRef) {
      try {
        return mapPaymentIntent(await stripe.paymentIntents.retrieve(providerRef));
      } catch (err) {
        const e = asStripeError(err);
        if (e && isUnknownOutcome(e)) throw unknown('charge status', e);
        throw err;
      }
    },

    async refund(request): Promise<RefundResult> {
      const amount = stripeAmount(request.amount, request.currency);
      if (amount === null) {
        return { status: 'failed', providerRef: null, errorCode: 'amount_too_large', errorMessage: request.amount };
      }
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: request.paymentRef,
            amount,
            reason: 'requested_by_customer',
            metadata: request.metadata,
          },
          { idempotencyKey: request.idempotencyKey },
        );
        if (refund.status === 'succeeded') return { status: 'succeeded', providerRef: refund.id };
        if (refund.status === 'failed' || refund.status === 'canceled') {
          return {
            status: 'failed',
            providerRef: refund.id,
            errorCode: refund.failure_reason ?? 'refund_failed',
            errorMessage: `The refund is ${refund.status}.`,
          };
        }
        return { status: 'pending', providerRef: refund.id };
      } catch (err) {
        const e = asStripeError(err);
        if (!e) throw err;
        if (isUnknownOutcome(e)) throw unknown('refund', e);
        if (e.type === 'StripeInvalidRequestError' || e.type === 'StripeCardError') {
          return {
            status: 'failed',
            providerRef: null,
            errorCode: e.code ?? 'refund_failed',
            errorMessage: e.message ?? '',
          };
        }
        throw err;
      }
    },
  };
}
