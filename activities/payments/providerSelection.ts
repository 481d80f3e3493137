// Which PaymentProvider the worker and the API use, from the configuration: PAYMENT_PROVIDER=sandbox (the default,
// embedded, nothing to set up) or stripe (STRIPE_SECRET_KEY, optionally STRIPE_API_BASE for stripe-mock). Both
// processes must select the same provider: the API attaches payment methods and refunds, the worker charges.
import type { Config } from '../config.js';
import type { PaymentProvider } from './paymentProvider.js';
import { createSandboxPaymentProvider } from './sandboxPaymentProvider.js';
import { createStripePaymentProvider } from './stripePaymentProvider.js';

export type PaymentProviderConfig = Pick<Config, 'PAYMENT_PROVIDER' | 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>;

export function createPaymentProvider(config: PaymentProviderConfig): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'stripe') {
    if (!config.STRIPE_SECRET_KEY) throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY');
    return createStripePaymentProvider({ secretKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE });
  }
  return createSandboxPaymentProvider();
}
