// The PaymentProvider seam's contract, one suite run against both providers: the sandbox, and the Stripe adapter on
// Stripe's test mode over stripe-mock (a real local Stripe API double, not a stub). The same test payment method
// outcomes, the same idempotency (one key, one outcome), the same unknown-outcome behaviour (a timeout is retried with
// the same key and charges once), the same refusals. Stripe-only: what goes over the wire (minor units, off-session
// confirmation, the customer, the idempotency key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PaymentMethodRefusedError,
  type PaymentProvider,
  PaymentProviderTimeoutError,
} from '../../../activities/payments/paymentProvider.js';
import { dunningDecision } from '../../../domain/paymentFailures.js';
import { type ProviderUnderTest, providersUnderTest } from '../../support/paymentProviders.js';

const charge = (
  provider: PaymentProvider,
  key: string,
  paymentMethod: string,
  extra: Partial<{ amount: string; currency: string; customerRef: string }> = {},
) =>
  provider.charge({
    idempotencyKey: key,
    amount: extra.amount ?? '49.00',
    currency: extra.currency ?? 'USD',
    paymentMethod,
    customerRef: extra.customerRef ?? null,
    attempt: 1,
    description: 'Invoice 1',
    metadata: { invoiceId: 'inv-1', attempt: '1' },
  });

describe.each(providersUnderTest)('PaymentProvider contract: %s', (_name, start) => {
  let p: ProviderUnderTest;
  let customerRef: string;
  beforeAll(async () => {
    p = await start();
    customerRef = (
      await p.provider.createCustomer({
        idempotencyKey: 'customer:e1',
        entityId: 'e1',
        organizationId: 'o1',
        name: 'Acme',
      })
    ).customerRef;
  });
  afterAll(async () => {
    await p?.stop();
  });
  const key = (s: string) => `${p.name}:${s}:${Math.random().toString(36).slice(2)}`;

  it('one customer per entity: the same key gives the same customer', async () => {
    const again = await p.provider.createCustomer({
      idempotencyKey: 'customer:e1',
      entityId: 'e1',
      organizationId: 'o1',
      name: 'Acme',
    });
    expect(again.customerRef).toBe(customerRef);
    expect(customerRef).toMatch(/^cus_/);
  });

  it('attaches a known test method with its card details; an unknown token is refused', async () => {
    const pm = await p.provider.attachPaymentMethod({
      idempotencyKey: key('attach'),
      customerRef,
      token: p.methods.ok,
    });
    expect(pm).toMatchObject({ providerRef: p.methods.ok, type: 'card', last4: '4242', expMonth: 12, expYear: 2034 });
    const declined = await p.provider.attachPaymentMethod({
      idempotencyKey: key('attach'),
      customerRef,
      token: p.methods.declined,
    });
    expect(declined.last4).toBe('0002');
    const refused = p.provider.attachPaymentMethod({
      idempotencyKey: key('attach'),
      customerRef,
      token: p.methods.unknown,
    });
    await expect(refused).rejects.toBeInstanceOf(PaymentMethodRefusedError);
    await expect(refused).rejects.toMatchObject({ code: 'UNKNOWN_PAYMENT_METHOD' });
  });

  it('a successful charge; the same key returns the same outcome', async () => {
    const k = key('payment');
    const first = await charge(p.provider, k, p.methods.ok, { customerRef });
    expect(first.status).toBe('succeeded');
    const again = await charge(p.provider, k, p.methods.ok, { customerRef });
    expect(again).toEqual(first);
  });

  it('declines map to the dunning decisions', async () => {
    const outcomes = [];
    for (const method of [
      p.methods.declined,
      p.methods.insufficientFunds,
      p.methods.authenticationRequired,
      p.methods.expired,
    ]) {
      const r = await charge(p.provider, key('decline'), method, { customerRef });
      if (r.status !== 'failed') throw new Error(`expected a failure for ${method}, got ${r.status}`);
      outcomes.push([r.errorCode, dunningDecision(r.errorCode)]);
    }
    expect(outcomes).toEqual([
      ['card_declined', 'retry'],
      ['insufficient_funds', 'retry'],
      ['authentication_required', 'customer_action'],
      ['expired_card', 'customer_action'],
    ]);
  });

  it('a currency the provider refuses fails as currency_not_supported, never reaching it', async () => {
    const before = p.stripe?.requests.length ?? 0;
    const r = await charge(p.provider, key('clf'), p.methods.ok, { currency: 'CLF', amount: '1.0000', customerRef });
    expect(r).toMatchObject({ status: 'failed', errorCode: 'currency_not_supported' });
    expect(dunningDecision('currency_not_supported')).toBe('customer_action');
    expect(p.provider.supportsCurrency('CLF')).toBe(false);
    expect(p.provider.supportsCurrency('USD')).toBe(true);
    expect(p.stripe?.requests.length ?? 0).toBe(before);
  });

  it('a refund of a charge; the same key returns the same refund', async () => {
    const paid = await charge(p.provider, key('payment'), p.methods.ok, { customerRef });
    if (paid.status !== 'succeeded') throw new Error('charge failed');
    const k = key('refund');
    const refund = await p.provider.refund({
      idempotencyKey: k,
      paymentRef: paid.providerRef,
      amount: '10.00',
      currency: 'USD',
      metadata: { invoiceId: 'inv-1' },
    });
    expect(refund.status).toBe('succeeded');
    const again = await p.provider.refund({
      idempotencyKey: k,
      paymentRef: paid.providerRef,
      amount: '10.00',
      currency: 'USD',
      metadata: { invoiceId: 'inv-1' },
    });
    expect(again).toEqual(refund);
  });

  it('refunds beyond what is left of the charge fail: amount_too_large, then charge_already_refunded', async () => {
    const paid = await charge(p.provider, key('payment'), p.methods.ok, { customerRef });
    if (paid.status !== 'succeeded') throw new Error('charge failed');
    const refund = (amount: string) =>
      p.provider.refund({
        idempotencyKey: key('refund'),
        paymentRef: paid.providerRef,
        amount,
        currency: 'USD',
        metadata: {},
      });
    expect((await refund('40.00')).status).toBe('succeeded');
    expect(await refund('9.01')).toMatchObject({ status: 'failed', errorCode: 'amount_too_large' });
    expect((await refund('9.00')).status).toBe('succeeded');
    expect(await refund('0.01')).toMatchObject({ status: 'failed', errorCode: 'charge_already_refunded' });
  });

  it('a refund whose answer never came: the repeat with the same key gets the first answer, refunded once', async () => {
    // The sandbox's pm_card_timeout leaves the first call of every key unanswered (its charge's too); Stripe's double
    // holds back the next refund's answer.
    const method = p.name === 'sandbox' ? 'pm_card_timeout' : p.methods.ok;
    const ck = key('payment');
    const paid = await charge(p.provider, ck, method, { customerRef }).catch(() =>
      charge(p.provider, ck, method, { customerRef }),
    );
    if (paid.status !== 'succeeded') throw new Error('charge failed');
    const request = (k: string, amount: string) => ({
      idempotencyKey: k,
      paymentRef: paid.providerRef,
      amount,
      currency: 'USD',
      metadata: {},
    });
    const k = key('refund');
    p.stripe?.stallNext(1, '/v1/refunds');
    await expect(p.provider.refund(request(k, '49.00'))).rejects.toBeInstanceOf(PaymentProviderTimeoutError);
    expect((await p.provider.refund(request(k, '49.00'))).status).toBe('succeeded');
    // Refunded once: nothing is left of the charge.
    const more = request(key('refund'), '0.01');
    const refused = await p.provider.refund(more).catch(() => p.provider.refund(more));
    expect(refused).toMatchObject({ status: 'failed', errorCode: 'charge_already_refunded' });
    if (p.stripe) {
      const sent = p.stripe.requests.filter((r) => r.path === '/v1/refunds' && r.idempotencyKey === k);
      expect(sent.map((r) => r.params.get('amount'))).toEqual(['4900', '4900']);
    }
  }, 30_000);

  it('an amount that is not a whole number of minor units is refused before anything is sent', async () => {
    const before = p.stripe?.requests.length ?? 0;
    await expect(charge(p.provider, key('frac'), p.methods.ok, { amount: '1.005' })).rejects.toMatchObject({
      code: 'INVALID_AMOUNT',
    });
    expect(p.stripe?.requests.length ?? 0).toBe(before);
  });

  it('a timeout is an unknown outcome: the repeat with the same key gets the first answer, charged once', async () => {
    const k = key('timeout');
    // The sandbox's pm_card_timeout times out once per key; Stripe's double holds the first answer back.
    const method = p.name === 'sandbox' ? 'pm_card_timeout' : p.methods.ok;
    p.stripe?.stallNext(1);
    await expect(charge(p.provider, k, method, { customerRef })).rejects.toBeInstanceOf(PaymentProviderTimeoutError);
    const repeat = await charge(p.provider, k, method, { customerRef });
    expect(repeat.status).toBe('succeeded');
    if (p.stripe) {
      const sent = p.stripe.requests.filter((r) => r.path === '/v1/payment_intents' && r.idempotencyKey === k);
      expect(sent.map((r) => r.params.get('amount'))).toEqual(['4900', '4900']);
    }
  }, 30_000);
});

describe('Stripe adapter: what goes over the wire', () => {
  let p: ProviderUnderTest;
  beforeAll(async () => {
    p = await providersUnderTest[1][1]();
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('a PaymentIntent in minor units, confirmed off-session for the customer, with the platform key and metadata', async () => {
    const customerRef = (
      await p.provider.createCustomer({
        idempotencyKey: 'customer:wire',
        entityId: 'wire',
        organizationId: 'o',
        name: 'W',
      })
    ).customerRef;
    const cases = [
      ['49.00', 'USD', '4900', 'usd'],
      ['500', 'JPY', '500', 'jpy'],
      ['1.235', 'KWD', '1235', 'kwd'],
    ] as const;
    for (const [amount, currency, units, lower] of cases) {
      const k = `payment:wire-${currency}:1`;
      const r = await charge(p.provider, k, 'pm_card_visa', { amount, currency, customerRef });
      expect(r.status).toBe('succeeded');
      const sent = p.stripe!.requests.find((q) => q.idempotencyKey === k)!;
      expect([
        sent.method,
        sent.path,
        sent.params.get('amount'),
        sent.params.get('currency'),
        sent.params.get('customer'),
        sent.params.get('payment_method'),
        sent.params.get('off_session'),
        sent.params.get('confirm'),
        sent.params.get('metadata[invoiceId]'),
      ]).toEqual(['POST', '/v1/payment_intents', units, lower, customerRef, 'pm_card_visa', 'true', 'true', 'inv-1']);
    }
  });

  it('a refund names the PaymentIntent and the amount in minor units', async () => {
    const paid = await charge(p.provider, 'payment:wire-refund:1', 'pm_card_visa');
    if (paid.status !== 'succeeded') throw new Error('charge failed');
    await p.provider.refund({
      idempotencyKey: 'refund:wire',
      paymentRef: paid.providerRef,
      amount: '12.34',
      currency: 'USD',
      metadata: { refundId: 'r1' },
    });
    const sent = p.stripe!.requests.find((q) => q.idempotencyKey === 'refund:wire')!;
    expect([sent.path, sent.params.get('payment_intent'), sent.params.get('amount')]).toEqual([
      '/v1/refunds',
      paid.providerRef,
      '1234',
    ]);
  });
});
