import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CurrencyMismatchError,
  composeInvoice,
  INVOICE_LINE_KINDS,
  InvalidInvoiceLineError,
  type InvoiceLineInput,
  type InvoiceLineKind,
  Money,
  prorateChange,
  type SeatPlan,
  subscriptionFeeLine,
} from '../../domain/index.js';

// Property tests run hundreds of cases; on a loaded 2-core machine they need more than vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 60_000;

const usd = (amount: string) => Money.of(amount, 'USD');
const line = (kind: InvoiceLineKind, amount: Money, description: string = kind): InvoiceLineInput => ({
  kind,
  amount,
  description,
});

describe('composeInvoice', () => {
  it('rounds each line once, half-even, and sums the rounded lines', () => {
    const invoice = composeInvoice('USD', [
      line('credits_applied', usd('-10.125'), 'Credits applied'),
      line('usage', usd('12.345'), '1,234 × project.posted'),
      line('proration', usd('300').multiplyByFraction(16, 31).negate()),
      line('adjustment', usd('-1.115'), 'Goodwill'),
      line('subscription_fee', usd('300'), '10 × Pro (monthly)'),
      line('credit_purchase', usd('50.005'), 'Starter credits'),
      line('proration', usd('360').multiplyByFraction(16, 31)),
    ]);
    expect(invoice.lines.map((l) => [l.position, l.kind, l.amount.toString()])).toEqual([
      [1, 'subscription_fee', '300.00'],
      [2, 'proration', '-154.84'],
      [3, 'proration', '185.81'],
      [4, 'usage', '12.34'],
      [5, 'credit_purchase', '50.00'],
      [6, 'adjustment', '-1.12'],
      [7, 'credits_applied', '-10.12'],
    ]);
    expect(invoice.lines[3]?.unroundedAmount.toString()).toBe('12.345');
    expect(invoice.subtotal.toString()).toBe('392.19');
    expect(invoice.creditsApplied.toString()).toBe('10.12');
    expect(invoice.total.toString()).toBe('382.07');
    expect(invoice.amountDue.toString()).toBe('382.07');
    expect(invoice.creditCarryForward.toString()).toBe('0.00');
    expect(invoice.currency).toBe('USD');
  });

  it('carries a negative total forward as credit instead of a negative amount due', () => {
    const invoice = composeInvoice('USD', [
      line('proration', usd('-154.84')),
      line('usage', usd('10')),
      line('credits_applied', usd('-4')),
    ]);
    expect(invoice.subtotal.toString()).toBe('-144.84');
    expect(invoice.total.toString()).toBe('-148.84');
    expect(invoice.amountDue.toString()).toBe('0.00');
    expect(invoice.creditCarryForward.toString()).toBe('148.84');
  });

  it('rounds JPY to whole yen and KWD to fils', () => {
    const jpy = composeInvoice('JPY', [
      line('usage', Money.of('1234.5', 'JPY')),
      line('usage', Money.of('1235.5', 'JPY')),
      line('adjustment', Money.of('-0.5', 'JPY')),
    ]);
    expect(jpy.lines.map((l) => l.amount.toString())).toEqual(['1234', '1236', '0']);
    expect(jpy.total.toString()).toBe('2470');
    const kwd = composeInvoice('KWD', [
      line('subscription_fee', Money.of('1.2345', 'KWD')),
      line('usage', Money.of('0.0015', 'KWD')),
    ]);
    expect(kwd.lines.map((l) => l.amount.toString())).toEqual(['1.234', '0.002']);
    expect(kwd.total.toString()).toBe('1.236');
  });

  it('composes an empty invoice and lines from seat pricing and proration', () => {
    const empty = composeInvoice('EUR', []);
    expect([empty.subtotal, empty.total, empty.amountDue].map(String)).toEqual(['0.00', '0.00', '0.00']);

    const plan: SeatPlan = { name: 'Pro', interval: 'month', pricePerSeat: '30', currency: 'USD' };
    const period = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z') };
    const proration = prorateChange(
      { kind: 'update', from: { plan, seats: 10 }, to: { plan, seats: 12 } },
      { period, at: new Date('2026-03-16T00:00:00Z'), timeZone: 'UTC' },
    );
    const invoice = composeInvoice('USD', [
      subscriptionFeeLine({ plan, seats: 10 }, period, 'UTC'),
      ...proration.lines,
    ]);
    expect(invoice.lines.map((l) => [l.description, l.amount.toString()])).toEqual([
      ['10 × Pro (monthly), 1 Mar 2026 – 31 Mar 2026', '300.00'],
      ['Unused time on 10 × Pro (monthly) after 16 Mar 2026', '-154.84'],
      ['Remaining time on 12 × Pro (monthly) after 16 Mar 2026', '185.81'],
    ]);
    expect(invoice.total.toString()).toBe('330.97');
  });

  it('serialises to JSON with string amounts', () => {
    const invoice = composeInvoice('USD', [line('usage', usd('1.005'))]);
    const json = JSON.parse(JSON.stringify(invoice));
    expect(json.total).toEqual({ amount: '1.00', currency: 'USD' });
    expect(json.lines[0].amount).toEqual({ amount: '1.00', currency: 'USD' });
    expect(json.lines[0].unroundedAmount).toEqual({ amount: '1.005', currency: 'USD' });
  });

  it('rejects invalid lines', () => {
    expect(() => composeInvoice('USD', [line('usage', Money.of('1', 'EUR'))])).toThrow(CurrencyMismatchError);
    expect(() => composeInvoice('USD', [line('credits_applied', usd('1'))])).toThrow(InvalidInvoiceLineError);
    expect(() => composeInvoice('USD', [line('usage', usd('-1'))])).toThrow(InvalidInvoiceLineError);
    expect(() => composeInvoice('USD', [line('subscription_fee', usd('-1'))])).toThrow(InvalidInvoiceLineError);
    expect(() => composeInvoice('USD', [line('usage', usd('1'), ' ')])).toThrow(InvalidInvoiceLineError);
    expect(() => composeInvoice('USD', [line('tip' as InvoiceLineKind, usd('1'))])).toThrowError(
      expect.objectContaining({ code: 'INVALID_INVOICE_LINE', details: { reason: 'unknown kind "tip"', position: 1 } }),
    );
    expect(() => composeInvoice('usd', [])).toThrowError(expect.objectContaining({ code: 'UNKNOWN_CURRENCY' }));
  });

  it(
    'property: total = sum of lines exactly, totals are consistent, lines are rounded',
    () => {
      const lineArb = fc
        .record({
          kind: fc.constantFrom(...INVOICE_LINE_KINDS),
          units: fc.bigInt({ min: 0n, max: 10n ** 13n }),
          negative: fc.boolean(),
          scale: fc.integer({ min: 0, max: 6 }),
        })
        .map(({ kind, units, negative, scale }) => ({ kind, units, negative, scale }));
      fc.assert(
        fc.property(fc.constantFrom('USD', 'JPY', 'KWD'), fc.array(lineArb, { maxLength: 25 }), (currency, specs) => {
          const items = specs.map(({ kind, units, negative, scale }) => {
            let amount = Money.of(units.toString(), currency).multiplyByFraction(1, 10 ** scale);
            const mayBeNegative = kind === 'proration' || kind === 'adjustment';
            if (kind === 'credits_applied' || (negative && mayBeNegative)) amount = amount.negate();
            return line(kind, amount);
          });
          const invoice = composeInvoice(currency, items);
          const sum = Money.sum(
            invoice.lines.map((l) => l.amount),
            currency,
          );
          expect(invoice.total.equals(sum)).toBe(true);
          expect(invoice.subtotal.subtract(invoice.creditsApplied).equals(invoice.total)).toBe(true);
          expect(invoice.amountDue.subtract(invoice.creditCarryForward).equals(invoice.total)).toBe(true);
          expect(invoice.amountDue.isNegative() || invoice.creditCarryForward.isNegative()).toBe(false);
          expect(invoice.creditsApplied.isNegative()).toBe(false);
          expect(invoice.lines.every((l) => l.amount.isRounded())).toBe(true);
          expect(invoice.total.isRounded()).toBe(true);
          // Each line is within half a minor unit of its input.
          const half = Money.fromMinorUnits(1n, currency).multiply('0.5');
          expect(invoice.lines.every((l) => l.amount.subtract(l.unroundedAmount).abs().lessThanOrEqual(half))).toBe(
            true,
          );
          expect(invoice.lines.map((l) => l.position)).toEqual(invoice.lines.map((_, i) => i + 1));
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
