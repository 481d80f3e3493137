// Stripe's webhook events in: the Stripe-Signature header verified with the official SDK (constructEvent: HMAC of the
// raw body with the endpoint's signing secret, timestamp within 5 minutes), then applied once (providerEvents.ts).
import Stripe from 'stripe';
import type { ProviderEventInput } from './providerEvents.js';

export class StripeSignatureError extends Error {
  readonly code = 'INVALID_SIGNATURE';
}

/** The verified event, or StripeSignatureError (nothing about the body is trusted before this). */
export function verifyStripeEvent(rawBody: string, signature: string | undefined, secret: string): ProviderEventInput {
  if (!signature) throw new StripeSignatureError('Missing Stripe-Signature header');
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new StripeSignatureError('The Stripe-Signature does not match the body');
    }
    throw new StripeSignatureError('The body is not a Stripe event');
  }
  const object = (event.data?.object ?? {}) as unknown as Record<string, unknown>;
  return { id: event.id, type: event.type, object };
}
