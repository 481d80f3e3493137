import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateCreditRefund,
  dunningDecision,
  Money,
  RefundExceedsPaidError,
  refundAmount,
  refundableAmount,
} from '../../domain/index.js';

const usd = (a: string) => Money.of(a, 'USD');
const PROPERTY_TIMEOUT_MS = 60_000;

describe('refundAmount', () => {
  it('defaults to everything still refundable', () => {
    expect(refundAmount(null, usd('49.00'), usd('10.00')).toString()).toBe('39.00');
  });

  it('takes a partial amount up to what is refundable, exactly', () => {
    expect(refundAmount(usd('39.00'), usd('49.00'), usd('10.00')).toString()).toBe('39.00');
    expect(refundAmount(usd('0.01'), usd('49.00'), usd('0')).toString()).toBe('0.01');
  });

  it('refuses more than was paid (minus refunds) with REFUND_EXCEEDS_PAID', () => {
    expect(() => refundAmount(usd('39.01'), usd('49.00'), usd('10.00'))).toThrow(RefundExceedsPaidError);
    try {
      refundAmount(usd('50.00'), usd('49.00'), usd('0'));
    } catch (err) {
      expect((err as RefundExceedsPaidError).code).toBe('REFUND_EXCEEDS_PAID');
      expect((err as RefundExceedsPaidError).details).toMatchObject({ requested: '50.00', refundable: '49.00' });
    }
  });

  it('refuses zero, negative, sub-minor-unit amounts, and a fully refunded invoice', () => {
    expect(() => refundAmount(usd('0'), usd('49.00'), usd('0'))).toThrow(/positive/);
    expect(() => refundAmount(usd('1.005'), usd('49.00'), usd('0'))).toThrow(/2 decimals/);
    expect(() => refundAmount(null, usd('49.00'), usd('49.00'))).toThrow(/nothing is left/);
    expect(() => refundAmount(Money.of('1.5', 'JPY'), Money.of('100', 'JPY'), Money.of('0', 'JPY'))).toThrow(
      /0 decimals/,
    );
  });

  it(
    'never leaves more refunded than paid (property)',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (paid, asked) => {
          const paidM = Money.fromMinorUnits(BigInt(paid), 'USD');
          const askedM = Money.fromMinorUnits(BigInt(asked), 'USD');
          try {
            const r = refundAmount(askedM, paidM, Money.zero('USD'));
            expect(r.lessThanOrEqual(paidM)).toBe(true);
            expect(refundableAmount(paidM, r).add(r).equals(paidM)).toBe(true);
          } catch {
            expect(asked === 0 || asked > paid).toBe(true);
          }
        }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('allocateCreditRefund', () => {
  it('spreads a credit over the targets in order, each up to its refundable, the rest carried forward', () => {
    const a = allocateCreditRefund(usd('30.00'), [
      { id: 'newest', refundable: usd('12.50') },
      { id: 'empty', refundable: usd('0') },
      { id: 'older', refundable: usd('100.00') },
    ]);
    expect(a.parts.map((p) => [p.id, p.amount.toString()])).toEqual([
      ['newest', '12.50'],
      ['older', '17.50'],
    ]);
    expect(a.remainder.toString()).toBe('0.00');
    const short = allocateCreditRefund(usd('30.00'), [{ id: 'only', refundable: usd('7.74') }]);
    expect(short.parts.map((p) => p.amount.toString())).toEqual(['7.74']);
    expect(short.remainder.toString()).toBe('22.26');
  });

  it(
    'parts plus remainder are the credit, no part beyond its target (property)',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.array(fc.integer({ min: 0, max: 500_000 }), { maxLength: 8 }),
          (credit, refundables) => {
            const c = Money.fromMinorUnits(BigInt(credit), 'USD');
            const targets = refundables.map((r, i) => ({
              id: String(i),
              refundable: Money.fromMinorUnits(BigInt(r), 'USD'),
            }));
            const a = allocateCreditRefund(c, targets);
            const sum = Money.sum(
              a.parts.map((p) => p.amount),
              'USD',
            ).add(a.remainder);
            expect(sum.equals(c)).toBe(true);
            for (const part of a.parts) {
              expect(part.amount.isPositive()).toBe(true);
              expect(part.amount.lessThanOrEqual(targets[Number(part.id)]!.refundable)).toBe(true);
            }
            expect(a.remainder.isNegative()).toBe(false);
          },
        ),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('dunningDecision', () => {
  it('retries declines, waits for the customer when no retry can succeed', () => {
    expect(
      ['card_declined', 'insufficient_funds', 'processing_error', 'do_not_honor', 'payment_failed'].map(
        dunningDecision,
      ),
    ).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect(
      ['authentication_required', 'expired_card', 'currency_not_supported', 'payment_method_missing'].map(
        dunningDecision,
      ),
    ).toEqual(['customer_action', 'customer_action', 'customer_action', 'customer_action']);
  });
});
