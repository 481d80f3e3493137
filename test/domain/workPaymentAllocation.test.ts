// Where a work payment goes (commission, referral share, payees) and how a refund claws it back; the README's worked
// example is the first case, to the cent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateWorkPayment,
  balancedPostings,
  clawBack,
  InvalidWorkPaymentError,
  MARKETPLACE_PARTY,
  Money,
  parseCommissionPlan,
  parseSplitRule,
  UnbalancedLedgerTransactionError,
  type WorkPaymentAllocation,
} from '../../domain/index.js';

const PROPERTY_TIMEOUT_MS = 60_000;
const usd = (a: string) => Money.of(a, 'USD');
const shown = (allocation: WorkPaymentAllocation) =>
  allocation.lines.map((l) => [l.kind, l.party, l.amount.toString()]);

const sliding = parseCommissionPlan({
  kind: 'sliding',
  currency: 'USD',
  tiers: [
    { upTo: '500', percent: '20' },
    { upTo: '10000', percent: '10' },
    { upTo: null, percent: '5' },
  ],
});
const referral = parseSplitRule({
  appliesTo: 'commission',
  shares: [
    { party: MARKETPLACE_PARTY, percent: '90' },
    { party: 'referrer', percent: '10' },
  ],
});

describe('allocateWorkPayment', () => {
  it('README worked example: a 1,200.00 milestone, sliding plan, 10 % referral share of the commission', () => {
    const allocation = allocateWorkPayment({
      payment: usd('1200.00'),
      priorBillings: usd('0'),
      plan: sliding,
      freelancerPayeeId: 'freelancer',
      commissionSplit: referral,
    });
    expect(allocation.commission.toString()).toBe('170.00');
    expect(shown(allocation)).toEqual([
      ['marketplace_revenue', MARKETPLACE_PARTY, '153.00'],
      ['payee_earnings', 'freelancer', '1030.00'],
      ['referral_share', 'referrer', '17.00'],
    ]);
    // The pair's next 1,000.00 lies wholly in the 10 % tier (billings 1,200.00 to 2,200.00).
    expect(sliding.commission(usd('1000.00'), usd('1200.00')).toString()).toBe('100.00');
  });

  it('splits the payee side between an agency and its freelancer', () => {
    const allocation = allocateWorkPayment({
      payment: usd('333.33'),
      priorBillings: usd('0'),
      plan: parseCommissionPlan({ kind: 'percentage', currency: 'USD', percent: '10' }),
      freelancerPayeeId: 'ignored',
      payeeSplit: parseSplitRule({
        appliesTo: 'payee_amount',
        shares: [
          { party: 'agency', percent: '25' },
          { party: 'freelancer', percent: '75' },
        ],
      }),
    });
    // commission 33.333 -> 33.33; 300.00 to the payees: 75.00 and 225.00.
    expect(shown(allocation)).toEqual([
      ['marketplace_revenue', MARKETPLACE_PARTY, '33.33'],
      ['payee_earnings', 'agency', '75.00'],
      ['payee_earnings', 'freelancer', '225.00'],
    ]);
  });

  it('refuses a split rule of the wrong base', () => {
    expect(() =>
      allocateWorkPayment({
        payment: usd('10.00'),
        priorBillings: usd('0'),
        plan: sliding,
        freelancerPayeeId: 'f',
        payeeSplit: referral,
      }),
    ).toThrow(InvalidWorkPaymentError);
  });
});

describe('clawBack', () => {
  const allocation = allocateWorkPayment({
    payment: usd('1200.00'),
    priorBillings: usd('0'),
    plan: sliding,
    freelancerPayeeId: 'freelancer',
    commissionSplit: referral,
  });

  it('takes a refund back from every line in proportion', () => {
    // 100.00 of 1,200.00: 12.75, 85.83(3), 1.41(6) -> largest remainders get the leftover cent.
    expect(clawBack(allocation, usd('0'), usd('100.00')).map(String)).toEqual(['12.75', '85.83', '1.42']);
  });

  it('returns exactly the original lines once the payment is fully refunded in steps', () => {
    const first = clawBack(allocation, usd('0'), usd('100.00'));
    const second = clawBack(allocation, usd('100.00'), usd('1100.00'));
    expect(first.map((part, i) => part.add(second[i] as Money).toString())).toEqual(['153.00', '1030.00', '17.00']);
  });

  it('refuses more than the payment in total, and a non-positive refund', () => {
    expect(() => clawBack(allocation, usd('1000.00'), usd('200.01'))).toThrow(InvalidWorkPaymentError);
    expect(() => clawBack(allocation, usd('0'), usd('0'))).toThrow(InvalidWorkPaymentError);
  });
});

describe('properties', () => {
  it(
    'payment = marketplace revenue + payee lines; refunds in steps claw back exactly the lines',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 100_000_000 }),
          fc.integer({ min: 0, max: 100_000_000 }),
          fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 5 }),
          (units, priorUnits, steps) => {
            const payment = Money.fromMinorUnits(BigInt(units), 'USD');
            const allocation = allocateWorkPayment({
              payment,
              priorBillings: Money.fromMinorUnits(BigInt(priorUnits), 'USD'),
              plan: sliding,
              freelancerPayeeId: 'freelancer',
              commissionSplit: referral,
            });
            const lines = allocation.lines.map((l) => l.amount);
            expect(Money.sum(lines, 'USD').toString()).toBe(payment.toString());
            expect(lines.every((l) => !l.isNegative() && l.isRounded())).toBe(true);

            // Refund the whole payment in random steps (the last one takes what is left).
            const stepParts = payment.allocate(steps);
            let refunded = Money.zero('USD');
            let taken = lines.map(() => Money.zero('USD'));
            for (const step of stepParts) {
              if (!step.isPositive()) continue;
              const parts = clawBack(allocation, refunded, step);
              expect(Money.sum(parts, 'USD').toString()).toBe(step.toString());
              taken = taken.map((t, i) => t.add(parts[i] as Money));
              refunded = refunded.add(step);
            }
            expect(taken.map(String)).toEqual(lines.map(String));
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('balancedPostings', () => {
  it('keeps the non-zero postings of a balanced transaction', () => {
    const kept = balancedPostings('USD', [
      { account: 'receivable', amount: usd('1200.00') },
      { account: 'revenue', amount: usd('-170.00') },
      { account: 'payee', amount: usd('-1030.00') },
      { account: 'referrer', amount: usd('0') },
    ]);
    expect(kept.map((p) => p.account)).toEqual(['receivable', 'revenue', 'payee']);
  });

  it('refuses one cent off, a foreign currency, sub-cent amounts and a lone posting', () => {
    const refuse = (postings: Array<{ account: string; amount: Money }>, message: RegExp) =>
      expect(() => balancedPostings('USD', postings)).toThrow(message);
    refuse(
      [
        { account: 'a', amount: usd('10.00') },
        { account: 'b', amount: usd('-9.99') },
      ],
      /sum to 0.01 USD/,
    );
    refuse(
      [
        { account: 'a', amount: usd('10.00') },
        { account: 'b', amount: Money.of('-10.00', 'EUR') },
      ],
      /EUR posting/,
    );
    refuse(
      [
        { account: 'a', amount: usd('0.005') },
        { account: 'b', amount: usd('-0.005') },
      ],
      /whole minor units/,
    );
    refuse([{ account: 'a', amount: usd('10.00') }], /two non-zero/);
    expect(() => balancedPostings('USD', [])).toThrow(UnbalancedLedgerTransactionError);
  });
});
