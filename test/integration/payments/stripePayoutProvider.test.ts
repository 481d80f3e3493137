// The Stripe Connect payout provider against stripe-mock: a transfer to the payee's connected account with the
// payout's key answers paid with Stripe's transfer id; a Stripe that does not answer is an unknown outcome (thrown, to
// be repeated with the same key), never a failure that would return the money to the balance.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it("is an unknown outcome when Stripe answers 409 for the key (the first call's transfer may yet be made)", async () => {
    const stripe = await stripeAnswering(409, { type: 'idempotency_error', message: 'request in progress' });
    try {
      const provider = createStripePayoutProvider({ secretKey: 'sk_test_123', apiBase: stripe.url, timeoutMs: 2_000 });
      await expect(provider.transfer(request)).rejects.toBeInstanceOf(PayoutProviderTimeoutError);
    } finally {
      await stripe.close();
    }
  });

  it('fails (the money goes back to the balance) only when Stripe refuses the request itself', async () => {
    const stripe = await stripeAnswering(400, {
      type: 'invalid_request_error',
      code: 'account_closed',
      message: 'The destination account is closed.',
    });
    try {
      const provider = createStripePayoutProvider({ secretKey: 'sk_test_123', apiBase: stripe.url, timeoutMs: 2_000 });
      expect(await provider.transfer(request)).toEqual({
        status: 'failed',
        errorCode: 'account_closed',
        errorMessage: 'The destination account is closed.',
        retryable: false,
      });
    } finally {
      await stripe.close();
    }
  });
});

describe('Stripe payout provider: zero- and three-decimal currencies', () => {
  it('sends whole yen and fils as Stripe minor units (JPY 1030 is 1030, KWD 10.005 is 10005)', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `tr_${bodies.length}`, object: 'transfer' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const provider = createStripePayoutProvider({ secretKey: 'sk_test_123', apiBase: `http://127.0.0.1:${port}` });
      expect(await provider.transfer({ ...request, amount: '1030', currency: 'JPY' })).toEqual({
        status: 'paid',
        providerRef: 'tr_1',
      });
      await provider.transfer({ ...request, amount: '10.005', currency: 'KWD' });
      const sent = bodies.map((b) => Object.fromEntries(new URLSearchParams(b)));
      expect(sent.map((b) => [b.amount, b.currency])).toEqual([
        ['1030', 'jpy'],
        ['10005', 'kwd'],
      ]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

/** A local stand-in for Stripe that answers every request with one error. */
async function stripeAnswering(status: number, error: Record<string, string>) {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
