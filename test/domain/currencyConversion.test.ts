// Named cases of currency conversion: the rounding rule per minor unit, rate validation and which rate applies at an
// instant. The invariants over random amounts and rates: currencyConversionProperties.test.ts.
import { describe, expect, it } from 'vitest';
import {
  appliedRateToJSON,
  convert,
  convertAt,
  type ExchangeRate,
  Money,
  parseRate,
  rateInForce,
  validateExchangeRate,
} from '../../domain/index.js';

const at = (iso: string) => new Date(iso);
const rate = (base: string, quote: string, value: string, effectiveAt: string, id?: string): ExchangeRate => ({
  base,
  quote,
  rate: value,
  effectiveAt: at(effectiveAt),
  source: 'test',
  ...(id ? { id } : {}),
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('convertAt: amount x rate, rounded once half-even to the quote minor unit', () => {
  it('rounds to cents for USD, whole yen for JPY, fils for KWD', () => {
    expect(convertAt(Money.of('10.00', 'EUR'), 'USD', '1.0842').toString()).toBe('10.84');
    expect(convertAt(Money.of('10.00', 'EUR'), 'JPY', '161.87').toString()).toBe('1619');
    expect(convertAt(Money.of('10.00', 'EUR'), 'KWD', '0.33271').toString()).toBe('3.327');
    expect(convertAt(Money.of('1619', 'JPY'), 'EUR', '0.0061778').toString()).toBe('10.00');
  });

  it('breaks ties to the even minor unit (banker’s rounding)', () => {
    // 0.25 USD x 150 = 37.5 JPY -> 38; 0.35 x 150 = 52.5 -> 52; 1.25 EUR x 1.1 = 1.375 USD -> 1.38; 1.15 x 1.1 = 1.265 -> 1.26.
    expect(convertAt(Money.of('0.25', 'USD'), 'JPY', '150').toString()).toBe('38');
    expect(convertAt(Money.of('0.35', 'USD'), 'JPY', '150').toString()).toBe('52');
    expect(convertAt(Money.of('1.25', 'EUR'), 'USD', '1.1').toString()).toBe('1.38');
    expect(convertAt(Money.of('1.15', 'EUR'), 'USD', '1.1').toString()).toBe('1.26');
  });

  it('keeps the sign of a negative amount (a credit converts to a credit)', () => {
    expect(convertAt(Money.of('-10.00', 'EUR'), 'USD', '1.0842').toString()).toBe('-10.84');
  });

  it('refuses an amount in another currency than the rate’s base', () => {
    const applied = rateInForce([rate('EUR', 'USD', '1.1', '2026-01-01T00:00:00Z')], 'EUR', 'USD', at('2026-02-01'));
    expect(() => convert(Money.of('1.00', 'GBP'), applied)).toThrow(/CURRENCY|mismatch/i);
  });
});

describe('parseRate and validateExchangeRate', () => {
  it('accepts a positive decimal of at most 10 decimals and 10 integer digits', () => {
    expect(parseRate('161.87').toFixed()).toBe('161.87');
    expect(parseRate('0.0000000001').toFixed()).toBe('0.0000000001');
    expect(parseRate('9999999999.9999999999').toFixed()).toBe('9999999999.9999999999');
  });

  it.each([
    ['0', 'positive'],
    ['-1.2', 'positive'],
    ['0.00000000001', '10 decimals'],
    ['10000000000', 'below'],
    ['abc', 'not a decimal'],
  ])('refuses %s with INVALID_EXCHANGE_RATE (%s)', (value, reason) => {
    try {
      parseRate(value);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('INVALID_EXCHANGE_RATE');
      expect((err as Error).message).toContain(reason);
    }
  });

  it('refuses unknown currencies and a pair of one currency', () => {
    expect(() => validateExchangeRate(rate('EUR', 'XYZ', '1', '2026-01-01T00:00:00Z'))).toThrow(/XYZ/);
    expect(() => validateExchangeRate(rate('EUR', 'EUR', '1', '2026-01-01T00:00:00Z'))).toThrow(/same currency/);
    expect(validateExchangeRate(rate('EUR', 'USD', '1.10', '2026-01-01T00:00:00Z')).rate).toBe('1.1');
  });
});

describe('rateInForce: the freshest rate held at or before the instant', () => {
  const rates = [
    rate('EUR', 'USD', '1.10', '2026-03-01T00:00:00Z', 'a'),
    rate('EUR', 'USD', '1.20', '2026-03-02T00:00:00Z', 'b'),
    rate('EUR', 'JPY', '160', '2026-03-01T00:00:00Z', 'c'),
  ];

  it('takes the rate effective at the instant itself, and keeps it until the next one', () => {
    expect(rateInForce(rates, 'EUR', 'USD', at('2026-03-02T00:00:00Z')).legs[0]?.id).toBe('b');
    expect(rateInForce(rates, 'EUR', 'USD', at('2026-03-01T23:59:59.999Z')).legs[0]?.id).toBe('a');
    expect(rateInForce(rates, 'EUR', 'USD', at('2027-01-01T00:00:00Z')).legs[0]?.id).toBe('b');
  });

  it('has no rate before the first one (NO_EXCHANGE_RATE)', () => {
    expect(codeOf(() => rateInForce(rates, 'EUR', 'USD', at('2026-02-28T23:59:59Z')))).toBe('NO_EXCHANGE_RATE');
    expect(codeOf(() => rateInForce(rates, 'EUR', 'KWD', at('2026-03-05T00:00:00Z')))).toBe('NO_EXCHANGE_RATE');
  });

  it('uses the inverse of the reverse pair when the direct pair has none', () => {
    const applied = rateInForce(rates, 'USD', 'EUR', at('2026-03-05T00:00:00Z'));
    expect(applied.method).toBe('inverse');
    expect(convert(Money.of('12.00', 'USD'), applied).toString()).toBe('10.00');
  });

  it('crosses through EUR when neither direction of the pair is held', () => {
    const applied = rateInForce(rates, 'USD', 'JPY', at('2026-03-05T00:00:00Z'));
    expect(applied.method).toBe('cross');
    expect(applied.legs.map((l) => l.id)).toEqual(['b', 'c']);
    // 1 USD = 1/1.2 EUR = 133.33... JPY: 10.00 USD -> 1333 JPY.
    expect(convert(Money.of('10.00', 'USD'), applied).toString()).toBe('1333');
    expect(appliedRateToJSON(applied).rate).toBe('133.3333333333333333');
  });

  it('takes the freshest of direct, inverse and cross: an old direct rate does not overrule a newer inverse one', () => {
    // A USD -> EUR rate posted once in January; EUR -> USD imported daily since: the daily one applies both ways.
    const held = [
      rate('USD', 'EUR', '0.90', '2026-01-15T00:00:00Z', 'old'),
      rate('EUR', 'USD', '1.25', '2026-03-04T00:00:00Z', 'daily'),
    ];
    const applied = rateInForce(held, 'USD', 'EUR', at('2026-03-05T00:00:00Z'));
    expect({ method: applied.method, legs: applied.legs.map((l) => l.id) }).toEqual({
      method: 'inverse',
      legs: ['daily'],
    });
    expect(convert(Money.of('10.00', 'USD'), applied).toString()).toBe('8.00');
    // Before the daily one, the January rate is the freshest there is.
    expect(rateInForce(held, 'USD', 'EUR', at('2026-03-01T00:00:00Z')).legs[0]?.id).toBe('old');
    // A cross rate is as fresh as its older leg: newer than an old direct rate, it applies.
    const cross = [
      rate('USD', 'JPY', '100', '2026-01-01T00:00:00Z', 'stale'),
      rate('EUR', 'USD', '1.25', '2026-03-03T00:00:00Z', 'e1'),
      rate('EUR', 'JPY', '160', '2026-03-04T00:00:00Z', 'e2'),
    ];
    expect(rateInForce(cross, 'USD', 'JPY', at('2026-03-05T00:00:00Z')).method).toBe('cross');
    expect(rateInForce(cross, 'USD', 'JPY', at('2026-03-03T12:00:00Z')).legs[0]?.id).toBe('stale');
  });

  it('breaks a tie of effective times to the direct pair, then the inverse, then the cross rate', () => {
    const tied = [...rates, rate('USD', 'EUR', '0.5', '2026-03-02T00:00:00Z', 'd')];
    expect(rateInForce(tied, 'EUR', 'USD', at('2026-03-05T00:00:00Z')).legs[0]?.id).toBe('b');
    expect(rateInForce(tied, 'USD', 'EUR', at('2026-03-05T00:00:00Z')).legs[0]?.id).toBe('d');
  });

  it('converts a currency into itself at 1 with no legs', () => {
    const applied = rateInForce([], 'JPY', 'JPY', at('2026-03-05T00:00:00Z'));
    expect(applied.method).toBe('identity');
    expect(convert(Money.of('1200', 'JPY'), applied).toString()).toBe('1200');
  });
});
