import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  availableCredits,
  BillingDecimal,
  type CreditGrantBalance,
  drawOrder,
  InvalidCreditGrantError,
  planDrawdown,
  SequentialDrawdown,
} from '../../domain/index.js';

// Property tests run hundreds of cases; on a loaded 2-core machine they need more than vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 60_000;

const d = (s: string) => new Date(s);
const asOf = d('2026-02-15T00:00:00Z');
const grants: CreditGrantBalance[] = [
  { id: 'A', remaining: '10', expiresAt: d('2026-04-01T00:00:00Z'), priority: 1, createdAt: d('2026-01-01T00:00:00Z') },
  { id: 'B', remaining: '5', expiresAt: d('2026-03-01T00:00:00Z'), priority: 5, createdAt: d('2026-01-10T00:00:00Z') },
  { id: 'C', remaining: '100', expiresAt: null, priority: 0, createdAt: d('2025-01-01T00:00:00Z') },
  { id: 'D', remaining: '7', expiresAt: d('2026-04-01T00:00:00Z'), priority: 0, createdAt: d('2026-02-01T00:00:00Z') },
  { id: 'E', remaining: '50', expiresAt: d('2026-02-15T00:00:00Z'), priority: 0, createdAt: d('2025-12-01T00:00:00Z') },
  { id: 'F', remaining: '0', expiresAt: d('2026-03-01T00:00:00Z'), priority: 0, createdAt: d('2025-12-01T00:00:00Z') },
  { id: 'G', remaining: '3', expiresAt: d('2026-04-01T00:00:00Z'), priority: 1, createdAt: d('2025-12-31T00:00:00Z') },
];
const base = d('2026-01-01T00:00:00Z').getTime();
/** Grants around `base`: remaining in thousandths up to maxMillis, expiring within 100 hours either side or never. */
const grantArbitrary = (opts: { maxMillis: number; maxPriority: number }) =>
  fc.record({
    id: fc.uuid(),
    remaining: fc.integer({ min: 0, max: opts.maxMillis }).map((n) => new BillingDecimal(n).div(1000).toFixed()),
    expiresAt: fc.option(
      fc.integer({ min: -100, max: 100 }).map((h) => new Date(base + h * 3_600_000)),
      { nil: null },
    ),
    priority: fc.integer({ min: 0, max: opts.maxPriority }),
    createdAt: fc.integer({ min: -1000, max: 0 }).map((h) => new Date(base + h * 3_600_000)),
  });
const draws = (plan: ReturnType<typeof planDrawdown>) => plan.draws.map((x) => [x.grantId, x.amount.toString()]);

describe('credit draw-down', () => {
  it('orders by earliest expiry, then priority, then oldest; skips expired and empty grants', () => {
    // E expires exactly at asOf: already unusable. F is empty. C never expires: last.
    expect(drawOrder(grants, asOf).map((g) => g.id)).toEqual(['B', 'D', 'G', 'A', 'C']);
    expect(availableCredits(grants, asOf).toString()).toBe('125');
  });

  it('draws in order and reports no shortfall when covered', () => {
    const plan = planDrawdown(grants, '20.5', asOf);
    expect(draws(plan)).toEqual([
      ['B', '5'],
      ['D', '7'],
      ['G', '3'],
      ['A', '5.5'],
    ]);
    expect(plan.draws[3]?.remainingAfter.toString()).toBe('4.5');
    expect(plan.drawn.toString()).toBe('20.5');
    expect(plan.shortfall.toString()).toBe('0');
  });

  it('draws everything available and reports the shortfall', () => {
    const plan = planDrawdown(grants, '200', asOf);
    expect(draws(plan)).toEqual([
      ['B', '5'],
      ['D', '7'],
      ['G', '3'],
      ['A', '10'],
      ['C', '100'],
    ]);
    expect(plan.drawn.toString()).toBe('125');
    expect(plan.shortfall.toString()).toBe('75');
    expect(planDrawdown([], '1', asOf).shortfall.toString()).toBe('1');
    expect(planDrawdown(grants, '0', asOf).draws).toEqual([]);
  });

  it('uses expired grants only before they expire', () => {
    expect(draws(planDrawdown(grants, '1', d('2026-02-14T23:59:59.999Z')))).toEqual([['E', '1']]);
  });

  it('breaks full ties by id so the order is total', () => {
    const twin = (id: string): CreditGrantBalance => ({
      id,
      remaining: '1',
      expiresAt: null,
      priority: 0,
      createdAt: d('2026-01-01T00:00:00Z'),
    });
    expect(drawOrder([twin('b'), twin('a'), twin('c')], asOf).map((g) => g.id)).toEqual(['a', 'b', 'c']);
  });

  it('rejects negative grants and amounts', () => {
    expect(() => planDrawdown([{ ...grants[0]!, remaining: '-1' }], '1', asOf)).toThrow(InvalidCreditGrantError);
    expect(() => planDrawdown([{ ...grants[0]!, remaining: 'lots' }], '1', asOf)).toThrow(InvalidCreditGrantError);
    expect(() => planDrawdown(grants, '-1', asOf)).toThrowError(expect.objectContaining({ code: 'INVALID_AMOUNT' }));
  });

  it(
    'property: never takes more than a grant holds, never leaves a shortfall when the total is enough',
    () => {
      const grantArb = grantArbitrary({ maxMillis: 1_000_000, maxPriority: 5 });
      fc.assert(
        fc.property(
          fc.uniqueArray(grantArb, { selector: (g) => g.id, maxLength: 15 }),
          fc.integer({ min: 0, max: 3_000_000 }).map((n) => new BillingDecimal(n).div(1000).toFixed()),
          (gs, amount) => {
            const at = new Date(base);
            const plan = planDrawdown(gs, amount, at);
            const byId = new Map(gs.map((g) => [g.id, g]));
            const seen = new Set<string>();
            for (const draw of plan.draws) {
              const grant = byId.get(draw.grantId)!;
              expect(seen.has(draw.grantId)).toBe(false);
              seen.add(draw.grantId);
              expect(draw.amount.greaterThan(0)).toBe(true);
              expect(draw.amount.lessThanOrEqualTo(grant.remaining as string)).toBe(true);
              expect(draw.remainingAfter.plus(draw.amount).equals(grant.remaining as string)).toBe(true);
              expect(grant.expiresAt === null || grant.expiresAt.getTime() > at.getTime()).toBe(true);
            }
            const drawn = plan.draws.reduce((s, x) => s.plus(x.amount), new BillingDecimal(0));
            expect(drawn.equals(plan.drawn)).toBe(true);
            expect(plan.drawn.plus(plan.shortfall).equals(amount)).toBe(true);
            expect(plan.shortfall.greaterThanOrEqualTo(0)).toBe(true);
            const available = availableCredits(gs, at);
            if (available.greaterThanOrEqualTo(amount)) expect(plan.shortfall.isZero()).toBe(true);
            else expect(plan.drawn.equals(available)).toBe(true);
            // Draws follow the documented order: only the last draw may leave its grant partly used.
            plan.draws.slice(0, -1).forEach((x) => {
              expect(x.remainingAfter.isZero()).toBe(true);
            });
            const order = drawOrder(gs, at).map((g) => g.id);
            expect(plan.draws.map((x) => x.grantId)).toEqual(order.slice(0, plan.draws.length));
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'property: SequentialDrawdown draws exactly what planDrawdown draws on the grants the previous draws left',
    () => {
      const grantArb = grantArbitrary({ maxMillis: 100_000, maxPriority: 3 });
      fc.assert(
        fc.property(
          fc.uniqueArray(grantArb, { selector: (g) => g.id, maxLength: 8 }),
          fc.array(
            fc.integer({ min: 0, max: 60_000 }).map((n) => new BillingDecimal(n).div(1000)),
            { maxLength: 30 },
          ),
          fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
          (gs, amounts, applied) => {
            const at = new Date(base);
            const expected: CreditGrantBalance[] = gs.map((g) => ({ ...g }));
            const sequential = new SequentialDrawdown(
              gs.map((g) => ({ ...g })),
              at,
            );
            amounts.forEach((amount, i) => {
              expect(sequential.available.toString()).toBe(availableCredits(expected, at).toString());
              const want = planDrawdown(expected, amount, at);
              const got = sequential.plan(amount);
              expect(draws(got)).toEqual(draws(want));
              expect(got.draws.map((x) => x.remainingAfter.toString())).toEqual(
                want.draws.map((x) => x.remainingAfter.toString()),
              );
              expect([got.drawn.toString(), got.shortfall.toString()]).toEqual([
                want.drawn.toString(),
                want.shortfall.toString(),
              ]);
              // Some plans are only priced (a rejected event): the next plan must not see them.
              if (!applied[i]) return;
              sequential.apply(got);
              for (const x of want.draws) {
                const grant = expected.find((g) => g.id === x.grantId) as CreditGrantBalance;
                grant.remaining = x.remainingAfter.toFixed();
              }
            });
            expect(sequential.available.toString()).toBe(availableCredits(expected, at).toString());
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('SequentialDrawdown writes each draw into the grant it was given and refuses a negative amount', () => {
    const own = grants.map((g) => ({ ...g }));
    const sequential = new SequentialDrawdown(own, asOf);
    expect(sequential.available.toString()).toBe('125');
    sequential.apply(sequential.plan(new BillingDecimal('8.5')));
    // B (earliest expiry) is emptied, then D (priority 0) gives the other 3.5.
    expect(own.map((g) => [g.id, String(g.remaining)])).toEqual([
      ['A', '10'],
      ['B', '0'],
      ['C', '100'],
      ['D', '3.5'],
      ['E', '50'],
      ['F', '0'],
      ['G', '3'],
    ]);
    expect(sequential.available.toString()).toBe('116.5');
    expect(() => sequential.plan(new BillingDecimal(-1))).toThrowError(
      expect.objectContaining({ code: 'INVALID_AMOUNT' }),
    );
  });
});
