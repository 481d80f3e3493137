// Zero- and three-decimal currencies end to end on a test clock: a JPY and a KWD entity subscribe to seat plans in
// their currency on 1 March 2027; at 16 March 12:00 UTC (exactly half of March left) each goes from 1 seat to 2.
// Each proration line is rounded half-even to the currency's minor unit on its own: JPY 1001 x 1/2 = 500.5 -> 500
// (whole yen, no cents), KWD 10.005 x 1/2 = 5.0025 -> 5.002 (fils); the change's invoice is charged at once, collected
// in minor units (501 yen, 5.003 dinars) and paid. Worker on the Temporal dev server, Postgres, the sandbox provider.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { caller } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';
import { eventually } from '../../support/workflowFactories.js';

const ctx = apiTestContext('zero-three-decimal-seats', { worker: true });

describe('a prorated seat change in JPY and KWD', () => {
  it('rounds each line half-even to the minor unit and collects the net in minor units', async () => {
    const t = await createTenant(ctx.db);
    const admin = caller(ctx.app, t.adminKey);
    const ok = async (method: string, path: string, body: unknown, status: number, headers = {}) => {
      const res = await admin(method, path, body, headers);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      return res.body;
    };

    const clock = await ok('POST', '/api/test-clocks', { name: 'March', frozenTime: '2027-03-01T00:00:00Z' }, 201);
    const setups = [
      { currency: 'JPY', pricePerSeat: '1001' },
      { currency: 'KWD', pricePerSeat: '10.005' },
    ];
    const subscriptions: Record<string, { id: string; entityId: string }> = {};
    for (const { currency, pricePerSeat } of setups) {
      const entity = await ok(
        'POST',
        '/api/entities',
        { name: `Seats ${currency}`, currency, timeZone: 'UTC', overagePolicy: 'bill', testClockId: clock.id },
        201,
      );
      ctx.terminateAfter.push(`billing:${entity.id}`);
      await ok(
        'POST',
        '/api/users',
        {
          email: `m-${randomUUID().slice(0, 8)}@seats.example`,
          name: 'Member',
          membership: { entityId: entity.id, role: 'member', seatAssigned: true },
        },
        201,
      );
      const plan = await ok(
        'POST',
        '/api/billing/seat-plans',
        { name: `Seat ${currency}`, interval: 'month', pricePerSeat, currency },
        201,
      );
      await eventually(async () => {
        const res = await admin('GET', `/api/entities/${entity.id}/billing-workflow`);
        return res.body?.state?.phase === 'waiting_for_period_end';
      });
      const subscription = await ok(
        'POST',
        '/api/billing/subscriptions',
        { entityId: entity.id, planId: plan.id, seats: 1 },
        201,
      );
      ctx.terminateAfter.push(`subscription:${subscription.id}`);
      subscriptions[currency] = { id: subscription.id, entityId: entity.id };
    }

    await ok('POST', `/api/test-clocks/${clock.id}/advance`, { frozenTime: '2027-03-16T12:00:00Z' }, 200);
    await eventually(async () => (await admin('GET', `/api/test-clocks/${clock.id}`)).body.status === 'ready');

    const expected = {
      JPY: { lines: ['-500', '1001'], net: '501' },
      KWD: { lines: ['-5.002', '10.005'], net: '5.003' },
    };
    for (const [currency, want] of Object.entries(expected)) {
      const sub = subscriptions[currency]!;
      const change = await ok('POST', `/api/billing/subscriptions/${sub.id}/seats`, { seats: 2 }, 200, {
        'Idempotency-Key': `seats-${currency}-${sub.id}`,
      });
      expect([change.reason, change.settlement, change.net]).toEqual(['seat_increase', 'charge_now', want.net]);
      expect(change.lines.map((l: { amount: string }) => l.amount)).toEqual(want.lines);
      expect([change.invoice.total, change.invoice.currency]).toEqual([want.net, currency]);

      // Charged at once in the currency's minor units, and paid.
      const invoice = await eventually(async () => {
        const res = await admin('GET', `/api/billing/invoices/${change.invoice.invoiceId}`);
        return res.body.status === 'paid' ? res.body : undefined;
      });
      ctx.terminateAfter.push(`invoice:${invoice.id}`);
      expect([invoice.total, invoice.amountPaid, invoice.currency]).toEqual([want.net, want.net, currency]);
      const lines = await ok('GET', `/api/billing/invoices/${invoice.id}/lines`, undefined, 200);
      expect(
        lines.data.map((l: { amount: string; fraction: { value: string } }) => [l.amount, l.fraction.value]),
      ).toEqual(want.lines.map((amount) => [amount, '0.500000']));
    }
  }, 180_000);
});
