// Which PayoutProvider the worker uses: with PAYMENT_PROVIDER=stripe, Stripe Connect transfers (the same key and API
// base as payments); otherwise the built-in sandbox.
import type { PaymentProviderConfig } from '../payments/providerSelection.js';
import type { PayoutProvider } from './payoutProvider.js';
import { createSandboxPayoutProvider } from './sandboxPayoutProvider.js';
import { createStripePayoutProvider } from './stripePayoutProvider.js';

export function createPayoutProvider(config: PaymentProviderConfig): PayoutProvider {
  if (config.PAYMENT_PROVIDER === 'stripe') {
    if (!config.STRIPE_SECRET_KEY) throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY');
    return createStripePayoutProvider({ secretKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE });
  }
  return createSandboxPayoutProvider();
}
