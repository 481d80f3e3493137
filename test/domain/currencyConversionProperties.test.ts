// Conversion invariants over random amounts, rates and currencies of 0, 2 and 3 decimals, with fast-check:
// a conversion creates or loses at most half a minor unit of the target currency, a round trip at the rate and its
// inverse comes back within one minor unit of the coarser currency, and the result is always a whole number of the
// target's minor units. Named cases: currencyConversion.test.ts.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BillingDecimal, convert, Money, minorUnitDigits, parseRate, rateInForce } from '../../domain/index.js';

const PROPERTY_TIMEOUT_MS = 60_000;
const CURRENCIES = ['USD', 'EUR', 'JPY', 'KWD', 'BHD'] as const;
const unit = (currency: string) => new BillingDecimal(10).pow(-minorUnitDigits(currency));

/** A rate of 1 to 10 significant digits spread over 10^-4 .. 10^4, as quoted rates are. */
const rateArb = fc
  .record({ digits: fc.bigInt({ min: 1n, max: 9_999_999_999n }), shift: fc.integer({ min: 2, max: 10 }) })
  .map(({ digits, shift }) => new BillingDecimal(digits.toString()).div(new BillingDecimal(10).pow(shift)))
  .filter((r) => r.greaterThanOrEqualTo('0.0001') && r.lessThanOrEqualTo('10000'));

/** An amount already in whole minor units of `currency`, up to 10^10 units. */
const amountArb = (currency: string) =>
  fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).map((units) => Money.fromMinorUnits(units, currency));

const pairArb = fc.tuple(fc.constantFrom(...CURRENCIES), fc.constantFrom(...CURRENCIES)).filter(([a, b]) => a !== b);

const at = new Date('2026-06-01T00:00:00Z');

describe('currency conversion properties', () => {
  it(
    'never creates or loses more than half a minor unit of the target currency, and lands on whole minor units',
    () => {
      fc.assert(
        fc.property(
          pairArb.chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), amountArb(a), rateArb)),
          ([a, b, amount, r]) => {
            const applied = rateInForce(
              [{ base: a, quote: b, rate: r.toFixed(), effectiveAt: at, source: 'p' }],
              a,
              b,
              at,
            );
            const converted = convert(amount, applied);
            expect(converted.currency).toBe(b);
            expect(converted.isRounded()).toBe(true);
            const exact = amount.amount.times(r);
            expect(converted.amount.minus(exact).abs().lessThanOrEqualTo(unit(b).div(2))).toBe(true);
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'round-trips A -> B -> A (rate, then its inverse) within uA/2 + uB/(2 rate): one minor unit of the coarser currency',
    () => {
      fc.assert(
        fc.property(
          pairArb.chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), amountArb(a), rateArb)),
          ([a, b, amount, r]) => {
            const rates = [{ base: a, quote: b, rate: r.toFixed(), effectiveAt: at, source: 'p' }];
            const there = convert(amount, rateInForce(rates, a, b, at));
            const back = convert(there, rateInForce(rates, b, a, at));
            expect(back.isRounded()).toBe(true);
            const drift = back.amount.minus(amount.amount).abs();
            const bound = unit(a)
              .div(2)
              .plus(unit(b).div(r.times(2)));
            expect(drift.lessThanOrEqualTo(bound)).toBe(true);
            // In whole minor units of A the drift is at most one when B's minor unit is worth no more than A's.
            if (unit(b).div(r).lessThanOrEqualTo(unit(a))) expect(drift.lessThanOrEqualTo(unit(a))).toBe(true);
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'converting the parts of a split loses at most half a minor unit per part against converting the whole',
    () => {
      fc.assert(
        fc.property(
          pairArb.chain(([a, b]) =>
            fc.tuple(
              fc.constant(a),
              fc.constant(b),
              amountArb(a),
              rateArb,
              fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }),
            ),
          ),
          ([a, b, amount, r, weights]) => {
            const applied = rateInForce(
              [{ base: a, quote: b, rate: r.toFixed(), effectiveAt: at, source: 'p' }],
              a,
              b,
              at,
            );
            const parts = amount.allocate(weights).map((p) => convert(p, applied));
            const sum = Money.sum(parts, b);
            const whole = convert(amount, applied);
            const limit = unit(b)
              .div(2)
              .times(weights.length + 1);
            expect(sum.amount.minus(whole.amount).abs().lessThanOrEqualTo(limit)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('parses every generated rate unchanged (the generator stays inside what the rates table takes)', () => {
    fc.assert(
      fc.property(rateArb, (r) => {
        expect(parseRate(r.toFixed()).equals(new Decimal(r.toFixed()))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
