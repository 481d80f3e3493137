import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMOUNT_SCALE,
  BillingDecimal,
  CurrencyMismatchError,
  formatAmount,
  InvalidAllocationError,
  isBillingDomainError,
  Money,
  minorUnitDigits,
  padAmount,
  UnknownCurrencyError,
} from '../../domain/index.js';

// Property tests run hundreds of cases; on a loaded 2-core machine they need more than vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 60_000;

describe('currencies', () => {
  it('knows the minor units of ISO 4217 currencies', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('EUR')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KRW')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
    expect(minorUnitDigits('BHD')).toBe(3);
    expect(minorUnitDigits('CLF')).toBe(4);
  });

  it('rejects unknown and lower-case codes with UNKNOWN_CURRENCY', () => {
    expect(() => Money.of('1', 'usd')).toThrow(UnknownCurrencyError);
    expect(() => Money.of('1', 'XXX')).toThrow(UnknownCurrencyError);
    try {
      Money.of('1', 'ABC');
    } catch (error) {
      expect(isBillingDomainError(error) && error.code).toBe('UNKNOWN_CURRENCY');
    }
  });
});

describe('Money parsing and serialisation', () => {
  it('keeps exact values and prints at least the minor unit', () => {
    expect(Money.of('12.5', 'USD').toString()).toBe('12.50');
    expect(Money.of('12.50', 'USD').toString()).toBe('12.50');
    expect(Money.of('0.123456', 'USD').toString()).toBe('0.123456');
    expect(Money.of('100', 'JPY').toString()).toBe('100');
    expect(Money.of('1', 'KWD').toString()).toBe('1.000');
    expect(Money.of('123456789012345.123456', 'USD').toString()).toBe('123456789012345.123456');
    expect(Money.of('0.0000001', 'USD').toString()).toBe('0.0000001');
    expect(Money.of('1e3', 'USD').toString()).toBe('1000.00');
  });

  it('accepts Decimal instances, including other decimal.js copies, and normalises -0', () => {
    expect(Money.of(new BillingDecimal('3.1'), 'EUR').toString()).toBe('3.10');
    expect(Money.of('-0', 'USD').toString()).toBe('0.00');
    expect(Money.of('-0.001', 'USD').round().toString()).toBe('0.00');
  });

  it('rejects JS numbers and non-decimal strings with INVALID_AMOUNT', () => {
    for (const bad of ['', 'abc', 'NaN', 'Infinity', '1,5', '0x10', '1.2.3', '--1']) {
      expect(() => Money.of(bad, 'USD'), bad).toThrowError(expect.objectContaining({ code: 'INVALID_AMOUNT' }));
    }
    expect(() => Money.of(12.5 as unknown as string, 'USD')).toThrowError(
      expect.objectContaining({ code: 'INVALID_AMOUNT' }),
    );
  });

  it('round-trips through JSON', () => {
    const m = Money.of('12.345678', 'USD');
    const json = JSON.parse(JSON.stringify({ m })) as { m: { amount: string; currency: string } };
    expect(json.m).toEqual({ amount: '12.345678', currency: 'USD' });
    expect(Money.fromJSON(json.m).equals(m)).toBe(true);
  });

  it('converts to and from minor units', () => {
    expect(Money.fromMinorUnits(1234n, 'USD').toString()).toBe('12.34');
    expect(Money.fromMinorUnits('1234', 'JPY').toString()).toBe('1234');
    expect(Money.fromMinorUnits(-1234n, 'KWD').toString()).toBe('-1.234');
    expect(Money.of('12.34', 'USD').toMinorUnits()).toBe(1234n);
    expect(() => Money.of('12.345', 'USD').toMinorUnits()).toThrowError(
      expect.objectContaining({ code: 'INVALID_AMOUNT' }),
    );
  });

  it('formats fixed storage scale half-even', () => {
    expect(Money.of('1.2345675', 'USD').toFixed(AMOUNT_SCALE)).toBe('1.234568');
    expect(Money.of('1.2345665', 'USD').toFixed(AMOUNT_SCALE)).toBe('1.234566');
    expect(Money.of('2', 'USD').toFixed(AMOUNT_SCALE)).toBe('2.000000');
  });
});

describe('Money arithmetic', () => {
  it('adds, subtracts, multiplies exactly', () => {
    const a = Money.of('0.1', 'USD');
    const b = Money.of('0.2', 'USD');
    expect(a.add(b).toString()).toBe('0.30');
    expect(a.subtract(b).toString()).toBe('-0.10');
    expect(Money.of('19.99', 'USD').multiply(3).toString()).toBe('59.97');
    expect(Money.of('0.333333', 'USD').multiply('1.5').toString()).toBe('0.4999995');
    expect(Money.of('100', 'USD').multiplyByFraction(1, 3).round().toString()).toBe('33.33');
    expect(Money.of('300', 'USD').multiplyByFraction(16, 31).toString()).toMatch(/^154\.838709677419354838/);
    expect(Money.sum([], 'EUR').toString()).toBe('0.00');
    expect(Money.sum([a, b, a], 'USD').toString()).toBe('0.40');
  });

  it('compares', () => {
    const a = Money.of('12.5', 'USD');
    const b = Money.of('12.50', 'USD');
    const c = Money.of('13', 'USD');
    expect(a.equals(b)).toBe(true);
    expect(a.compare(c)).toBe(-1);
    expect(c.compare(a)).toBe(1);
    expect(a.compare(b)).toBe(0);
    expect(a.lessThan(c) && c.greaterThan(a) && a.lessThanOrEqual(b) && a.greaterThanOrEqual(b)).toBe(true);
    expect(Money.max(a, c)).toBe(c);
    expect(Money.min(a, c)).toBe(a);
    expect(Money.of('12.5', 'EUR').equals(a)).toBe(false);
  });

  it('throws CURRENCY_MISMATCH when currencies are mixed', () => {
    const usd = Money.of('1', 'USD');
    const eur = Money.of('1', 'EUR');
    expect(() => usd.add(eur)).toThrow(CurrencyMismatchError);
    expect(() => usd.subtract(eur)).toThrow(CurrencyMismatchError);
    expect(() => usd.compare(eur)).toThrow(CurrencyMismatchError);
    expect(() => Money.sum([usd, eur], 'USD')).toThrowError(expect.objectContaining({ code: 'CURRENCY_MISMATCH' }));
  });
});

describe('rounding to the minor unit (half-even)', () => {
  it.each([
    ['USD', '12.345', '12.34'],
    ['USD', '12.355', '12.36'],
    ['USD', '12.3451', '12.35'],
    ['USD', '-12.345', '-12.34'],
    ['USD', '-12.355', '-12.36'],
    ['USD', '0.005', '0.00'],
    ['USD', '0.015', '0.02'],
    ['JPY', '1234.5', '1234'],
    ['JPY', '1235.5', '1236'],
    ['JPY', '0.5', '0'],
    ['JPY', '1.5', '2'],
    ['JPY', '-2.5', '-2'],
    ['JPY', '99.49', '99'],
    ['KWD', '1.2345', '1.234'],
    ['KWD', '1.2355', '1.236'],
    ['KWD', '0.0005', '0.000'],
    ['KWD', '10.00051', '10.001'],
    ['CLF', '1.23455', '1.2346'],
  ])('%s %s -> %s', (currency, input, expected) => {
    const rounded = Money.of(input, currency).round();
    expect(rounded.toString()).toBe(expected);
    expect(rounded.isRounded()).toBe(true);
  });
});

describe('allocate', () => {
  it('splits into parts that sum exactly, extra units to the largest remainders', () => {
    expect(
      Money.of('100', 'USD')
        .allocate([1, 1, 1])
        .map((m) => m.toString()),
    ).toEqual(['33.34', '33.33', '33.33']);
    expect(
      Money.of('0.05', 'USD')
        .allocate([1, 1])
        .map((m) => m.toString()),
    ).toEqual(['0.03', '0.02']);
    expect(
      Money.of('1000', 'JPY')
        .allocate([1, 2])
        .map((m) => m.toString()),
    ).toEqual(['333', '667']);
    expect(
      Money.of('-100', 'USD')
        .allocate([1, 1, 1])
        .map((m) => m.toString()),
    ).toEqual(['-33.34', '-33.33', '-33.33']);
    expect(
      Money.of('10', 'KWD')
        .allocate(['0.7', '0.2', '0.1', '0'])
        .map((m) => m.toString()),
    ).toEqual(['7.000', '2.000', '1.000', '0.000']);
    expect(
      Money.of('1', 'USD')
        .allocateEvenly(3)
        .map((m) => m.toString()),
    ).toEqual(['0.34', '0.33', '0.33']);
    expect(
      Money.of('0.000001', 'USD')
        .allocate([1, 1], 6)
        .map((m) => m.toString()),
    ).toEqual(['0.000001', '0.00']);
  });

  it('refuses to round implicitly or to split by nothing', () => {
    expect(() => Money.of('10.001', 'USD').allocate([1, 1])).toThrow(InvalidAllocationError);
    expect(() => Money.of('10', 'USD').allocate([])).toThrow(InvalidAllocationError);
    expect(() => Money.of('10', 'USD').allocate([0, 0])).toThrow(InvalidAllocationError);
    expect(() => Money.of('10', 'USD').allocate([1, -1])).toThrow(InvalidAllocationError);
  });

  it(
    'property: parts always sum exactly and stay within one minor unit of the exact share',
    () => {
      const currencies = ['USD', 'JPY', 'KWD', 'CLF'];
      fc.assert(
        fc.property(
          fc.constantFrom(...currencies),
          fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
          fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
          fc.nat({ max: 4 }),
          (currency, units, weights, ratioDecimals) => {
            fc.pre(weights.some((w) => w > 0));
            const amount = Money.fromMinorUnits(units, currency);
            const ratios = weights.map((w) => new BillingDecimal(w).div(10 ** ratioDecimals));
            const parts = amount.allocate(ratios);
            expect(parts).toHaveLength(weights.length);
            expect(Money.sum(parts, currency).equals(amount)).toBe(true);
            const total = ratios.reduce((a, b) => a.plus(b), new BillingDecimal(0));
            const unit = new BillingDecimal(10).pow(-amount.minorUnitDigits);
            parts.forEach((part, i) => {
              expect(part.isRounded()).toBe(true);
              const exact = amount.amount.times(ratios[i] ?? 0).div(total);
              expect(part.amount.minus(exact).abs().lessThan(unit)).toBe(true);
            });
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('padAmount', () => {
  it('formats a toFixed() text as formatAmount formats the Decimal', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        (units, scale, digits) => {
          const amount = new BillingDecimal(units.toString()).div(new BillingDecimal(10).pow(scale));
          expect(padAmount(amount.toFixed(), digits)).toBe(formatAmount(amount, digits));
        },
      ),
      { numRuns: 1000 },
    );
    expect(padAmount(new BillingDecimal('-0').toFixed(), 2)).toBe('0.00');
    expect(padAmount('12', 0)).toBe('12');
    expect(padAmount('0.001', 2)).toBe('0.001');
  });
});
