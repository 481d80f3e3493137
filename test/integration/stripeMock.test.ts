// stripe-mock, the local Stripe API the payment provider is tested against: the tools step provides the binary
// (scripts/lib/ensureTools.ts), startStripeMock runs it on a free loopback port. Two instances side by side, since
// test files run in parallel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeMock } from '../../scripts/lib/stripeMock.js';
import { stripeMock } from '../support/services.js';

const KEY = { authorization: 'Bearer sk_test_123' };
let first: StripeMock;
let second: StripeMock;

beforeAll(async () => {
  [first, second] = await Promise.all([stripeMock(), stripeMock()]);
});
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('stripe-mock', () => {
  it('answers the Stripe API with a test key and refuses a request without one', async () => {
    const list = await fetch(`${first.url}/v1/customers`, { headers: KEY });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ object: 'list', url: '/v1/customers' });

    const anonymous = await fetch(`${first.url}/v1/customers`);
    expect(anonymous.status).toBe(401);
  });

  it('validates requests against Stripe’s API description', async () => {
    const created = await fetch(`${second.url}/v1/customers`, {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=payer%40example.test',
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ object: 'customer' });

    const unknownParameter = await fetch(`${second.url}/v1/customers`, {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'no_such_parameter=1',
    });
    expect(unknownParameter.status).toBe(400);
    expect(await unknownParameter.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('stops when asked', async () => {
    const third = await stripeMock();
    await third.stop();
    await expect(fetch(`${third.url}/v1/customers`, { headers: KEY })).rejects.toThrow();
  });
});
