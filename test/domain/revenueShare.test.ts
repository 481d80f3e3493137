// Split rules: validation, the remainder-cent rule, and properties (parts sum exactly, independent of the order a
// rule lists its shares).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidSplitRuleError,
  MARKETPLACE_PARTY,
  Money,
  parseSplitRule,
  type SplitRuleDefinition,
  splitAmount,
} from '../../domain/index.js';

const PROPERTY_TIMEOUT_MS = 60_000;
const usd = (a: string) => Money.of(a, 'USD');
const shown = (parts: ReturnType<typeof splitAmount>) => parts.map((p) => [p.party, p.amount.toString()]);

describe('parseSplitRule', () => {
  it('accepts shares that sum to exactly 100 and normalises percents', () => {
    expect(
      parseSplitRule({
        appliesTo: 'payee_amount',
        shares: [
          { party: 'agency', percent: '30.00' },
          { party: 'freelancer', percent: '70' },
        ],
      }),
    ).toEqual({
      appliesTo: 'payee_amount',
      shares: [
        { party: 'agency', percent: '30' },
        { party: 'freelancer', percent: '70' },
      ],
    });
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['99.99 %', { appliesTo: 'payee_amount', shares: [{ party: 'a', percent: '99.99' }] }, /sum to 99.99/],
    [
      '100.0001 %',
      {
        appliesTo: 'payee_amount',
        shares: [
          { party: 'a', percent: '50' },
          { party: 'b', percent: '50.0001' },
        ],
      },
      /sum to 100.0001/,
    ],
    ['no shares', { appliesTo: 'commission', shares: [] }, /at least one share/],
    [
      'a party twice',
      {
        appliesTo: 'payee_amount',
        shares: [
          { party: 'a', percent: '50' },
          { party: 'a', percent: '50' },
        ],
      },
      /more than one share/,
    ],
    [
      'a zero share',
      {
        appliesTo: 'payee_amount',
        shares: [
          { party: 'a', percent: '100' },
          { party: 'b', percent: '0' },
        ],
      },
      /above 0/,
    ],
    [
      'the marketplace on the payee side',
      { appliesTo: 'payee_amount', shares: [{ party: MARKETPLACE_PARTY, percent: '100' }] },
      /only a commission split/,
    ],
    ['an unknown base', { appliesTo: 'gross', shares: [{ party: 'a', percent: '100' }] }, /appliesTo/],
    ['too fine a percent', { appliesTo: 'commission', shares: [{ party: 'a', percent: '0.00001' }] }, /4 decimals/],
  ];
  it.each(invalid)('refuses %s with INVALID_SPLIT_RULE', (_name, rule, message) => {
    expect(() => parseSplitRule(rule)).toThrow(InvalidSplitRuleError);
    expect(() => parseSplitRule(rule)).toThrow(message);
  });
});

describe('splitAmount: the remainder-cent rule', () => {
  const thirds: SplitRuleDefinition = {
    appliesTo: 'payee_amount',
    shares: [
      { party: 'c', percent: '33.3333' },
      { party: 'a', percent: '33.3333' },
      { party: 'b', percent: '33.3334' },
    ],
  };

  it('gives leftover cents to the largest remainders, then the larger percent, then the first party id', () => {
    // 1.00: exact shares 0.333333, 0.333333, 0.333334 -> 0.33 each, one cent left: the largest remainder is b's.
    expect(shown(splitAmount(usd('1.00'), thirds))).toEqual([
      ['c', '0.33'],
      ['a', '0.33'],
      ['b', '0.34'],
    ]);
    // 0.02 between two equal halves: the tie goes to the party id that sorts first.
    const halves: SplitRuleDefinition = {
      appliesTo: 'payee_amount',
      shares: [
        { party: 'z', percent: '50' },
        { party: 'y', percent: '50' },
      ],
    };
    expect(shown(splitAmount(usd('0.01'), halves))).toEqual([
      ['z', '0.00'],
      ['y', '0.01'],
    ]);
  });

  it('splits a negative amount (a claw-back) the same way, with the sign', () => {
    expect(shown(splitAmount(usd('-1.00'), thirds))).toEqual([
      ['c', '-0.33'],
      ['a', '-0.33'],
      ['b', '-0.34'],
    ]);
  });
});

const ruleArb = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
  .chain((parties) =>
    fc
      .array(fc.integer({ min: 1, max: 10_000 }), { minLength: parties.length, maxLength: parties.length })
      .map((weights) => {
        // Integer basis points summing to 1,000,000 (100 % with 4 decimals), each at least 1.
        const total = weights.reduce((a, b) => a + b, 0);
        const points = weights.map((w) => Math.max(1, Math.floor((w * 1_000_000) / total)));
        const drift = 1_000_000 - points.reduce((a, b) => a + b, 0);
        points[0] = (points[0] as number) + drift;
        return parties.map((party, i) => ({ party, points: points[i] as number }));
      })
      .filter((shares) => shares.every((s) => s.points > 0)),
  )
  .map(
    (shares): SplitRuleDefinition => ({
      appliesTo: 'payee_amount',
      shares: shares.map(({ party, points }) => ({ party, percent: (points / 10_000).toFixed(4) })),
    }),
  );

describe('properties', () => {
  it(
    'parts sum to the amount exactly, each within one cent of its exact share, whatever order the rule lists them',
    () => {
      fc.assert(
        fc.property(ruleArb, fc.integer({ min: -10_000_000, max: 10_000_000 }), (rule, units) => {
          const parsed = parseSplitRule(rule);
          const amount = Money.fromMinorUnits(BigInt(units), 'USD');
          const parts = splitAmount(amount, parsed);
          expect(
            Money.sum(
              parts.map((p) => p.amount),
              'USD',
            ).toString(),
          ).toBe(amount.toString());
          parts.forEach((part, i) => {
            const exact = amount.multiplyByFraction(parsed.shares[i]?.percent as string, 100);
            expect(part.amount.subtract(exact).abs().lessThan(usd('0.01'))).toBe(true);
          });
          const reversed = splitAmount(amount, { ...parsed, shares: [...parsed.shares].reverse() });
          const byParty = (list: typeof parts) => Object.fromEntries(list.map((p) => [p.party, p.amount.toString()]));
          expect(byParty(reversed)).toEqual(byParty(parts));
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
