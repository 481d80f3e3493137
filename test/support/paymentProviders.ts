// The payment providers the shared contract suites run against: the built-in sandbox, and the Stripe adapter talking
// to Stripe's test mode on stripe-mock (scripts/lib/stripeTestMode.ts in front of a stripe-mock of its own). Each comes
// with its test payment methods for the same outcomes, so one suite asserts the same behaviour of both.
import Stripe from 'stripe';
import type { PaymentProvider } from '../../activities/payments/paymentProvider.js';
import { createSandboxPaymentProvider } from '../../activities/payments/sandboxPaymentProvider.js';
import { createStripePaymentProvider } from '../../activities/payments/stripePaymentProvider.js';
import { type StripeTestMode, startStripeTestMode } from '../../scripts/lib/stripeTestMode.js';
import { stripeMock } from './services.js';

export interface TestPaymentMethods {
  ok: string;
  declined: string;
  insufficientFunds: string;
  authenticationRequired: string;
  expired: string;
  unknown: string;
}

export interface ProviderUnderTest {
  name: 'sandbox' | 'stripe';
  provider: PaymentProvider;
  methods: TestPaymentMethods;
  /** The Stripe double (stripe only): what was sent, faults to inject. */
  stripe?: StripeTestMode;
  /** The webhook signing secret the API under test verifies (stripe only). */
  webhookSecret?: string;
  stop(): Promise<void>;
}

export const STRIPE_TEST_SECRET_KEY = 'sk_test_contract';
export const STRIPE_TEST_WEBHOOK_SECRET = 'whsec_contract_test_secret';

export async function sandboxUnderTest(): Promise<ProviderUnderTest> {
  return {
    name: 'sandbox',
    provider: createSandboxPaymentProvider(),
    methods: {
      ok: 'pm_card_ok',
      declined: 'pm_card_declined',
      insufficientFunds: 'pm_card_insufficient_funds',
      authenticationRequired: 'pm_card_authentication_required',
      expired: 'pm_card_expired',
      unknown: 'pm_no_such_method',
    },
    async stop() {},
  };
}

export async function stripeUnderTest(options: { timeoutMs?: number } = {}): Promise<ProviderUnderTest> {
  const mock = await stripeMock();
  const testMode = await startStripeTestMode(mock.url);
  return {
    name: 'stripe',
    provider: createStripePaymentProvider({
      secretKey: STRIPE_TEST_SECRET_KEY,
      apiBase: testMode.url,
      timeoutMs: options.timeoutMs ?? 2_000,
    }),
    methods: {
      ok: 'pm_card_visa',
      declined: 'pm_card_chargeDeclined',
      insufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds',
      authenticationRequired: 'pm_card_authenticationRequired',
      expired: 'pm_card_chargeDeclinedExpiredCard',
      unknown: 'pm_no_such_method',
    },
    stripe: testMode,
    webhookSecret: STRIPE_TEST_WEBHOOK_SECRET,
    async stop() {
      await testMode.stop();
      await mock.stop();
    },
  };
}

export const providersUnderTest = [
  ['sandbox', sandboxUnderTest],
  ['stripe', stripeUnderTest],
] as const;

/** A Stripe event as Stripe sends it: the JSON body and its Stripe-Signature header (SDK test helper). */
export function signedStripeEvent(
  event: { id: string; type: string; data: { object: Record<string, unknown> }; created?: number },
  secret = STRIPE_TEST_WEBHOOK_SECRET,
) {
  const payload = JSON.stringify({ object: 'event', api_version: '2025-01-01', livemode: false, created: 0, ...event });
  const stripe = new Stripe(STRIPE_TEST_SECRET_KEY);
  return { payload, signature: stripe.webhooks.generateTestHeaderString({ payload, secret }) };
}
