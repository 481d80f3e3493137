import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BillingDecimal,
  compilePricing,
  InvalidPriceDefinitionError,
  incrementalPrice,
  type PricingScheme,
  priceForQuantity,
  type Tier,
  validatePricingScheme,
} from '../../domain/index.js';

// Property tests run hundreds of cases; on a loaded 2-core machine they need more than vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 60_000;

const tiers: Tier[] = [
  { upTo: '100', unitPrice: '0.50' },
  { upTo: '1000', unitPrice: '0.40', flatFee: '5' },
  { upTo: null, unitPrice: '0.25', flatFee: '10' },
];
const graduated: PricingScheme = { model: 'graduated', tiers };
const volume: PricingScheme = { model: 'volume', tiers };

describe('flat pricing', () => {
  it('prices every unit the same', () => {
    const flat: PricingScheme = { model: 'flat', unitPrice: '2.50' };
    expect(priceForQuantity(flat, 0).toString()).toBe('0');
    expect(priceForQuantity(flat, 1).toString()).toBe('2.5');
    expect(priceForQuantity(flat, '3').toString()).toBe('7.5');
    expect(priceForQuantity(flat, '0.5').toString()).toBe('1.25');
    expect(incrementalPrice(flat, 7, 2).toString()).toBe('5');
  });
});

describe('graduated vs volume at every tier edge', () => {
  // quantity, graduated, volume
  const cases: [number, string, string][] = [
    [0, '0', '0'],
    [1, '0.5', '0.5'],
    [99, '49.5', '49.5'],
    [100, '50', '50'], // edge: still tier 1
    [101, '55.4', '45.4'], // 50 + 0.40 + 5  |  101 * 0.40 + 5
    [500, '215', '205'], // 50 + 400 * 0.40 + 5  |  500 * 0.40 + 5
    [999, '414.6', '404.6'],
    [1000, '415', '405'], // edge: still tier 2
    [1001, '425.25', '260.25'], // 415 + 0.25 + 10  |  1001 * 0.25 + 10
    [10000, '2675', '2510'], // 415 + 9000 * 0.25 + 10  |  10000 * 0.25 + 10
  ];
  it.each(cases)('q=%i: graduated %s, volume %s', (q, g, v) => {
    expect(priceForQuantity(graduated, q).toString()).toBe(g);
    expect(priceForQuantity(volume, q).toString()).toBe(v);
  });

  it('prices the next event incrementally (price(used + q) - price(used))', () => {
    expect(incrementalPrice(graduated, 99, 1).toString()).toBe('0.5');
    expect(incrementalPrice(graduated, 100, 1).toString()).toBe('5.4');
    expect(incrementalPrice(graduated, 999, 2).toString()).toBe('10.65');
    // Volume is a bulk discount: crossing an edge can make the increment negative.
    expect(incrementalPrice(volume, 100, 1).toString()).toBe('-4.6');
    expect(incrementalPrice(volume, 1000, 1).toString()).toBe('-144.75');
    expect(incrementalPrice(volume, 101, 1).toString()).toBe('0.4');
  });

  it('breaks a price down by tier for invoice lines', () => {
    const lines = compilePricing(graduated).breakdown(1001);
    expect(lines.map((l) => [l.tierIndex, l.quantity.toString(), l.amount.toString()])).toEqual([
      [0, '100', '50'],
      [1, '900', '365'],
      [2, '1', '10.25'],
    ]);
    expect(
      compilePricing(volume)
        .breakdown(1001)
        .map((l) => [l.tierIndex, l.amount.toString()]),
    ).toEqual([[2, '260.25']]);
    expect(compilePricing(graduated).breakdown(0)).toEqual([]);
  });

  it('handles fractional quantities and tier bounds', () => {
    const scheme: PricingScheme = {
      model: 'graduated',
      tiers: [
        { upTo: '1.5', unitPrice: '10' },
        { upTo: null, unitPrice: '1' },
      ],
    };
    expect(priceForQuantity(scheme, '1.5').toString()).toBe('15');
    expect(priceForQuantity(scheme, '2').toString()).toBe('15.5');
  });
});

describe('validation', () => {
  const bad: [string, PricingScheme][] = [
    ['flat without unitPrice', { model: 'flat' }],
    ['flat with tiers', { model: 'flat', unitPrice: '1', tiers }],
    ['graduated without tiers', { model: 'graduated' }],
    ['graduated with unitPrice', { model: 'graduated', unitPrice: '1', tiers }],
    ['empty tiers', { model: 'volume', tiers: [] }],
    ['closed last tier', { model: 'volume', tiers: [{ upTo: '10', unitPrice: '1' }] }],
    [
      'open middle tier',
      {
        model: 'volume',
        tiers: [
          { upTo: null, unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
    ],
    [
      'non-increasing bounds',
      {
        model: 'graduated',
        tiers: [
          { upTo: '10', unitPrice: '1' },
          { upTo: '10', unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
    ],
    [
      'zero bound',
      {
        model: 'graduated',
        tiers: [
          { upTo: '0', unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
    ],
    ['negative price', { model: 'flat', unitPrice: '-1' }],
    ['too many decimals', { model: 'flat', unitPrice: '0.1234567' }],
    ['price as a JS number', { model: 'flat', unitPrice: 1 as unknown as string }],
    ['bad flat fee', { model: 'volume', tiers: [{ upTo: null, unitPrice: '1', flatFee: 'x' }] }],
    [
      'bad bound',
      {
        model: 'volume',
        tiers: [
          { upTo: 'ten', unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      },
    ],
    ['unknown model', { model: 'stairstep' as 'flat', unitPrice: '1' }],
  ];
  it.each(bad)('rejects %s with INVALID_PRICE_DEFINITION', (_name, scheme) => {
    expect(() => validatePricingScheme(scheme, 'x')).toThrow(InvalidPriceDefinitionError);
  });

  it('accepts 6-decimal prices and rejects negative quantities', () => {
    expect(priceForQuantity({ model: 'flat', unitPrice: '0.000001' }, 3).toString()).toBe('0.000003');
    expect(() => priceForQuantity(graduated, -1)).toThrowError(expect.objectContaining({ code: 'INVALID_QUANTITY' }));
    expect(() => incrementalPrice(graduated, -1, 1)).toThrowError(
      expect.objectContaining({ code: 'INVALID_QUANTITY' }),
    );
  });
});

const priceArb = fc.integer({ min: 0, max: 10_000_000 }).map((n) => new BillingDecimal(n).div(1_000_000).toFixed());
const tiersArb: fc.Arbitrary<Tier[]> = fc
  .array(
    fc.record({
      width: fc.integer({ min: 1, max: 500 }),
      unitPrice: priceArb,
      flatFee: fc.option(priceArb, { nil: undefined }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((specs) => {
    let bound = 0;
    return specs.map((spec, i) => {
      bound += spec.width;
      const tier: Tier = { upTo: i === specs.length - 1 ? null : String(bound), unitPrice: spec.unitPrice };
      if (spec.flatFee !== undefined) tier.flatFee = spec.flatFee;
      return tier;
    });
  });
const quantityArb = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  fc.integer({ min: 0, max: 5_000_000 }).map((n) => new BillingDecimal(n).div(1000).toFixed()),
);

describe('properties', () => {
  it(
    'graduated price is monotone in quantity',
    () => {
      fc.assert(
        fc.property(tiersArb, quantityArb, quantityArb, (t, a, b) => {
          const pricing = compilePricing({ model: 'graduated', tiers: t });
          const [lo, hi] = new BillingDecimal(a).lessThanOrEqualTo(b) ? [a, b] : [b, a];
          expect(pricing.price(lo).lessThanOrEqualTo(pricing.price(hi))).toBe(true);
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'graduated and volume prices equal the sum of their increments, in any split',
    () => {
      fc.assert(
        fc.property(
          tiersArb,
          fc.constantFrom('graduated' as const, 'volume' as const),
          fc.array(quantityArb, { maxLength: 30 }),
          (t, model, chunks) => {
            const pricing = compilePricing({ model, tiers: t });
            let used = new BillingDecimal(0);
            let sum = new BillingDecimal(0);
            for (const q of chunks) {
              sum = sum.plus(pricing.increment(used, q));
              used = used.plus(q);
            }
            expect(sum.equals(pricing.price(used))).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'graduated increments are never negative and never exceed the volume-free upper bound',
    () => {
      fc.assert(
        fc.property(tiersArb, quantityArb, quantityArb, (t, used, q) => {
          const inc = compilePricing({ model: 'graduated', tiers: t }).increment(used, q);
          expect(inc.greaterThanOrEqualTo(0)).toBe(true);
          // No unit costs more than the dearest unit price, plus at most every flat fee once.
          const maxUnit = t.reduce((m, tier) => BillingDecimal.max(m, tier.unitPrice), new BillingDecimal(0));
          const fees = t.reduce((s, tier) => s.plus(tier.flatFee ?? 0), new BillingDecimal(0));
          expect(inc.lessThanOrEqualTo(maxUnit.times(q).plus(fees))).toBe(true);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('graduated equals volume when every tier has the same price and no flat fees', () => {
    fc.assert(
      fc.property(tiersArb, priceArb, quantityArb, (t, price, q) => {
        const same = t.map((tier) => ({ upTo: tier.upTo, unitPrice: price }));
        expect(
          priceForQuantity({ model: 'graduated', tiers: same }, q).equals(
            priceForQuantity({ model: 'volume', tiers: same }, q),
          ),
        ).toBe(true);
      }),
    );
  });

  it(
    'price is the sum of the breakdown, for every model (the hot path prices without building the breakdown)',
    () => {
      const schemeArb = fc.oneof(
        tiersArb.map((t): PricingScheme => ({ model: 'graduated', tiers: t })),
        tiersArb.map((t): PricingScheme => ({ model: 'volume', tiers: t })),
        priceArb.map((unitPrice): PricingScheme => ({ model: 'flat', unitPrice })),
      );
      fc.assert(
        fc.property(schemeArb, quantityArb, (scheme, q) => {
          const pricing = compilePricing(scheme);
          const sum = pricing.breakdown(q).reduce((total, c) => total.plus(c.amount), new BillingDecimal(0));
          expect(pricing.price(q).toFixed()).toBe(sum.toFixed());
          expect(pricing.amountOf(new BillingDecimal(q)).toFixed()).toBe(sum.toFixed());
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
