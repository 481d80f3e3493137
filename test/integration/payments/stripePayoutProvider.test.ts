// The Stripe Connect payout provider against stripe-mock: a transfer to the payee's connected account with the
// payout's key answers paid with Stripe's transfer id; a Stripe that does not answer is an unknown outcome (thrown, to
// be repeated with the same key), never a failure that would return the money to the balance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStripePayoutProvider,
  PayoutProviderTimeoutError,
} from '../../../activities/payouts/stripePayoutProvider.js';
import { stripeMock } from '../../support/services.js';

let mock: Awaited<ReturnType<typeof stripeMock>>;
beforeAll(async () => {
  mock = await stripeMock();
});
afterAll(async () => {
  await mock?.stop();
});

const request = {
  idempotencyKey: 'payout:0193b0af-0000-7aaa-8bbb-000000000b01:1',
  amount: '1030.00',
  currency: 'USD',
  destination: 'acct_1032D82eZvKYlo2C',
  attempt: 1,
  metadata: { payoutId: '0193b0af-0000-7aaa-8bbb-000000000b01' },
};

describe('Stripe payout provider', () => {
  it('pays a payout as a Connect transfer', async () => {
    const provider = createStripePayoutProvider({ secretKey: 'sk_test_123', apiBase: mock.url });
    const result = await provider.transfer(request);
    expect(result.status).toBe('paid');
    expect(result.status === 'paid' && result.providerRef).toMatch(/^tr_/);
  });

  it('throws when Stripe does not answer: the outcome is unknown', async () => {
    const gone = await stripeMock();
    await gone.stop();
    const provider = createStripePayoutProvider({ secretKey: 'sk_test_123', apiBase: gone.url, timeoutMs: 2_000 });
    await expect(provider.transfer(request)).rejects.toBeInstanceOf(PayoutProviderTimeoutError);
  });
});
