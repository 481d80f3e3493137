// Commission plans: named cases (tier edges, a payment split across tiers, min/max, validation) and properties over
// random plans and payment sequences (monotone, never more than the payment, order-independent, tier edges exact).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommissionPlanDefinition,
  InvalidCommissionPlanError,
  InvalidWorkPaymentError,
  Money,
  parseCommissionPlan,
} from '../../domain/index.js';

const PROPERTY_TIMEOUT_MS = 60_000;
const usd = (a: string) => Money.of(a, 'USD');

const SLIDING: CommissionPlanDefinition = {
  kind: 'sliding',
  currency: 'USD',
  tiers: [
    { upTo: '500', percent: '20' },
    { upTo: '10000', percent: '10' },
    { upTo: null, percent: '5' },
  ],
};

function commission(plan: CommissionPlanDefinition, payment: string, prior = '0'): string {
  return parseCommissionPlan(plan).commission(usd(payment), usd(prior)).toString();
}

describe('sliding commission by lifetime billings of a pair', () => {
  it('charges each tier its own rate and is exact on the edges', () => {
    expect(commission(SLIDING, '500.00')).toBe('100.00');
    expect(commission(SLIDING, '9500.00', '500.00')).toBe('950.00');
    expect(commission(SLIDING, '10000.00')).toBe('1050.00');
    expect(commission(SLIDING, '1000.00', '10000.00')).toBe('50.00');
  });

  it('splits a payment that crosses an edge across the tiers it spans', () => {
    // 500 at 20 % + 700 at 10 %.
    expect(commission(SLIDING, '1200.00')).toBe('170.00');
    // 100 at 20 % (400..500) + 9,500 at 10 % + 400 at 5 %.
    expect(commission(SLIDING, '10000.00', '400.00')).toBe('990.00');
    // one cent either side of the first edge
    expect(commission(SLIDING, '0.02', '499.99')).toBe('0.00');
    expect(commission(SLIDING, '0.01', '499.99')).toBe('0.00');
  });

  it('rounds the cumulative commission half-up once, so small payments add up to the total', () => {
    // 0.03 at 20 % is 0.006 -> 0.01; the next 0.03 brings the cumulative 0.012 -> 0.01, so it pays 0.00.
    expect(commission(SLIDING, '0.03')).toBe('0.01');
    expect(commission(SLIDING, '0.03', '0.03')).toBe('0.00');
    expect(commission(SLIDING, '0.06')).toBe('0.01');
    // 0.025 is a tie: half-up
    expect(commission({ kind: 'percentage', currency: 'USD', percent: '10' }, '0.25')).toBe('0.03');
  });

  it('applies a per-payment minimum and maximum, never more than the payment', () => {
    const bounded = { ...SLIDING, minimum: '5.00', maximum: '150.00' };
    expect(commission(bounded, '10.00')).toBe('5.00');
    expect(commission(bounded, '3.00')).toBe('3.00');
    expect(commission(bounded, '1200.00')).toBe('150.00');
    expect(commission(bounded, '400.00')).toBe('80.00');
  });
});

describe('percentage and flat plans', () => {
  it('percentage', () => {
    expect(commission({ kind: 'percentage', currency: 'USD', percent: '12.5' }, '80.00')).toBe('10.00');
    expect(commission({ kind: 'percentage', currency: 'USD', percent: '100' }, '80.00')).toBe('80.00');
    expect(commission({ kind: 'percentage', currency: 'USD', percent: '0' }, '80.00')).toBe('0.00');
  });

  it('flat per payment, capped at the payment', () => {
    expect(commission({ kind: 'flat', currency: 'USD', amount: '2.50' }, '80.00')).toBe('2.50');
    expect(commission({ kind: 'flat', currency: 'USD', amount: '2.50' }, '1.00')).toBe('1.00');
  });

  it('works in the currency minor unit (JPY has none)', () => {
    const plan = parseCommissionPlan({ kind: 'percentage', currency: 'JPY', percent: '15' });
    expect(plan.commission(Money.of('1001', 'JPY'), Money.of('0', 'JPY')).toString()).toBe('150');
  });
});

describe('validation', () => {
  const invalid: Array<[string, unknown, RegExp]> = [
    ['unknown kind', { kind: 'tiered', currency: 'USD' }, /unknown kind/],
    ['unknown currency', { kind: 'flat', currency: 'XYZ', amount: '1' }, /unknown currency/],
    ['percent above 100', { kind: 'percentage', currency: 'USD', percent: '100.01' }, /outside 0..100/],
    ['percent too fine', { kind: 'percentage', currency: 'USD', percent: '1.23456' }, /4 decimals/],
    ['negative flat', { kind: 'flat', currency: 'USD', amount: '-1' }, /negative/],
    ['sub-cent flat', { kind: 'flat', currency: 'USD', amount: '0.001' }, /2 decimals/],
    ['min above max', { kind: 'percentage', currency: 'USD', percent: '5', minimum: '2', maximum: '1' }, /minimum/],
    ['flat with bounds', { kind: 'flat', currency: 'USD', amount: '1', maximum: '2' }, /no minimum/],
    ['no tiers', { kind: 'sliding', currency: 'USD', tiers: [] }, /at least one tier/],
    [
      'tiers out of order',
      {
        kind: 'sliding',
        currency: 'USD',
        tiers: [
          { upTo: '500', percent: '20' },
          { upTo: '500', percent: '10' },
          { upTo: null, percent: '5' },
        ],
      },
      /above the previous/,
    ],
    ['last tier closed', { kind: 'sliding', currency: 'USD', tiers: [{ upTo: '5', percent: '1' }] }, /open/],
  ];
  it.each(invalid)('refuses %s with INVALID_COMMISSION_PLAN', (_name, plan, message) => {
    expect(() => parseCommissionPlan(plan)).toThrow(InvalidCommissionPlanError);
    expect(() => parseCommissionPlan(plan)).toThrow(message);
  });

  it('refuses a payment in another currency, zero, or finer than the minor unit', () => {
    const plan = parseCommissionPlan(SLIDING);
    expect(() => plan.commission(Money.of('1', 'EUR'), Money.of('0', 'EUR'))).toThrow(InvalidWorkPaymentError);
    expect(() => plan.commission(usd('0'), usd('0'))).toThrow(/positive/);
    expect(() => plan.commission(usd('1.001'), usd('0'))).toThrow(/2 decimals/);
  });

  it('normalises what it stores', () => {
    expect(parseCommissionPlan(SLIDING).definition).toEqual({
      kind: 'sliding',
      currency: 'USD',
      tiers: [
        { upTo: '500.00', percent: '20' },
        { upTo: '10000.00', percent: '10' },
        { upTo: null, percent: '5' },
      ],
      minimum: null,
      maximum: null,
    });
  });
});

const cents = (max: number) => fc.integer({ min: 1, max }).map((n) => Money.fromMinorUnits(BigInt(n), 'USD'));
const percentArb = fc.integer({ min: 0, max: 1_000_000 }).map((n) => (n / 10_000).toFixed(4));

type SlidingPlan = Extract<CommissionPlanDefinition, { kind: 'sliding' }>;

const slidingArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 0, maxLength: 4 }), fc.array(percentArb))
  .map(([edges, percents]): SlidingPlan => {
    const sorted = [...edges].sort((a, b) => a - b);
    const tiers = [...sorted, null].map((edge, i) => ({
      upTo: edge === null ? null : Money.fromMinorUnits(BigInt(edge), 'USD').toString(),
      percent: percents[i] ?? '10',
    }));
    return { kind: 'sliding', currency: 'USD', tiers };
  });

const unboundedPlanArb = fc.oneof(
  slidingArb,
  percentArb.map((percent): CommissionPlanDefinition => ({ kind: 'percentage', currency: 'USD', percent })),
  cents(100_000).map(
    (amount): CommissionPlanDefinition => ({
      kind: 'flat',
      currency: 'USD',
      amount: amount.toString(),
    }),
  ),
);

const boundedPlanArb = fc
  .tuple(slidingArb, fc.option(cents(50_000)), fc.option(cents(50_000)))
  .map(([plan, a, b]): CommissionPlanDefinition => {
    const [minimum, maximum] = a && b && a.greaterThan(b) ? [b, a] : [a, b];
    return { ...plan, minimum: minimum?.toString() ?? null, maximum: maximum?.toString() ?? null };
  });

const anyPlanArb = fc.oneof(unboundedPlanArb, boundedPlanArb);

describe('properties', () => {
  it(
    'is never negative, never more than the payment, and monotone in the payment',
    () => {
      fc.assert(
        fc.property(anyPlanArb, cents(10_000_000), cents(10_000_000), cents(5_000_000), (definition, a, b, prior) => {
          const plan = parseCommissionPlan(definition);
          const [small, large] = a.lessThanOrEqual(b) ? [a, b] : [b, a];
          const cSmall = plan.commission(small, prior);
          const cLarge = plan.commission(large, prior);
          expect(cSmall.isNegative()).toBe(false);
          expect(cLarge.lessThanOrEqual(large)).toBe(true);
          expect(cSmall.lessThanOrEqual(small)).toBe(true);
          expect(cSmall.lessThanOrEqual(cLarge)).toBe(true);
          expect(cLarge.isRounded()).toBe(true);
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'sums to the plan applied to the total, in any order (plans without per-payment bounds)',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            slidingArb,
            percentArb.map((percent) => ({ kind: 'percentage', currency: 'USD', percent }) as const),
          ),
          fc.array(cents(2_000_000), { minLength: 1, maxLength: 8 }),
          fc.infiniteStream(fc.nat()),
          (definition, payments, picks) => {
            const plan = parseCommissionPlan(definition);
            const sumOf = (order: Money[]) => {
              let prior = Money.zero('USD');
              let total = Money.zero('USD');
              for (const payment of order) {
                total = total.add(plan.commission(payment, prior));
                prior = prior.add(payment);
              }
              return total;
            };
            const shuffled = [...payments];
            const stream = picks[Symbol.iterator]();
            for (let i = shuffled.length - 1; i > 0; i--) {
              const j = (stream.next().value as number) % (i + 1);
              [shuffled[i], shuffled[j]] = [shuffled[j] as Money, shuffled[i] as Money];
            }
            const whole = plan.commission(Money.sum(payments, 'USD'), Money.zero('USD'));
            expect(sumOf(payments).toString()).toBe(whole.toString());
            expect(sumOf(shuffled).toString()).toBe(whole.toString());
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "charges a payment from one tier edge to another exactly each tier's rate, nothing rounded away",
    () => {
      // Whole-unit edges and whole percents make every tier's commission a whole number of cents.
      const planArb = fc
        .tuple(
          fc.uniqueArray(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 5 }),
          fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 6, maxLength: 6 }),
        )
        .map(([edges, percents]) => ({
          edges: [...edges].sort((a, b) => a - b),
          percents,
        }));
      fc.assert(
        fc.property(planArb, fc.nat(), fc.nat(), ({ edges, percents }, x, y) => {
          const definition: CommissionPlanDefinition = {
            kind: 'sliding',
            currency: 'USD',
            tiers: [...edges, null].map((edge, i) => ({
              upTo: edge === null ? null : String(edge),
              percent: String(percents[i]),
            })),
          };
          const points = [0, ...edges];
          const [j, k] = [x % points.length, y % points.length].sort((a, b) => a - b) as [number, number];
          if (j === k) return;
          let expected = usd('0');
          for (let tier = j; tier < k; tier++) {
            const width = usd(String((points[tier + 1] as number) - (points[tier] as number)));
            expected = expected.add(width.multiplyByFraction(percents[tier] as number, 100));
          }
          const payment = usd(String((points[k] as number) - (points[j] as number)));
          const charged = parseCommissionPlan(definition).commission(payment, usd(String(points[j])));
          expect(charged.toString()).toBe(expected.toString());
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
