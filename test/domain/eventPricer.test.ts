import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BillingDecimal,
  CurrencyMismatchError,
  type EventPriceDefinition,
  EventPricer,
  InvalidPriceDefinitionError,
  type PriceBook,
  rateEvent,
  resolveEventPrice,
  UnknownEventTypeError,
} from '../../domain/index.js';

const organizationPrices: EventPriceDefinition[] = [
  { eventType: 'project.posted', model: 'flat', currency: 'USD', unitPrice: '2.50' },
  {
    eventType: 'freelancer.hired',
    model: 'graduated',
    currency: 'USD',
    tiers: [
      { upTo: '10', unitPrice: '20' },
      { upTo: null, unitPrice: '15', flatFee: '5' },
    ],
  },
  { eventType: 'broken', model: 'flat', currency: 'USD', unitPrice: 'free' },
];
const book: PriceBook = {
  organizationPrices,
  entityOverrides: [{ eventType: 'project.posted', model: 'flat', currency: 'USD', unitPrice: '2.00' }],
};

describe('EventPricer', () => {
  it('prefers the entity override over the organization price book', () => {
    const pricer = new EventPricer(book, { currency: 'USD' });
    expect(pricer.resolve('project.posted').source).toBe('entity');
    expect(pricer.resolve('project.posted').definition.unitPrice).toBe('2.00');
    expect(pricer.resolve('freelancer.hired').source).toBe('organization');
    expect(pricer.rate('project.posted', 3).amount.toString()).toBe('6.00');
    expect(new EventPricer({ organizationPrices }).rate('project.posted', 3).amount.toString()).toBe('7.50');
    expect(resolveEventPrice('project.posted', book).source).toBe('entity');
  });

  it('rates incrementally against the usage counter', () => {
    const pricer = new EventPricer(book);
    const first = pricer.rate('freelancer.hired', 1, 0);
    expect(first.amount.toString()).toBe('20.00');
    expect(first.cumulativeAmount.toString()).toBe('20.00');
    const eleventh = pricer.rate('freelancer.hired', 1, 10);
    expect(eleventh.amount.toString()).toBe('20.00'); // 15 + flat fee 5 on entering tier 2
    expect(eleventh.cumulativeAmount.toString()).toBe('220.00');
    expect(pricer.rate('freelancer.hired', 1, 11).amount.toString()).toBe('15.00');
    expect(pricer.priceForPeriod('freelancer.hired', 12).toString()).toBe('235.00');
    expect(eleventh.quantity).toBe('1');
    expect(eleventh.alreadyUsed).toBe('10');
  });

  it('rounds fractional-quantity amounts to 6 decimals half-even, so increments telescope', () => {
    const def: EventPriceDefinition = { eventType: 'hours', model: 'flat', currency: 'USD', unitPrice: '0.333333' };
    expect(rateEvent(def, '0.5').amount.toString()).toBe('0.166666'); // 0.1666665 -> even
    expect(rateEvent(def, '1.5').amount.toString()).toBe('0.50'); // 0.4999995 -> 0.500000
    expect(rateEvent(def, '0.5', '0.5').amount.toString()).toBe('0.166667'); // 0.333333 - 0.166666
  });

  it('periodAmount is priceForPeriod without the Money wrapper, rounding included', () => {
    const pricer = new EventPricer({
      organizationPrices: [
        ...organizationPrices,
        { eventType: 'hours', model: 'flat', currency: 'USD', unitPrice: '0.333333' },
        {
          eventType: 'bulk',
          model: 'volume',
          currency: 'USD',
          tiers: [
            { upTo: '100', unitPrice: '0.123457', flatFee: '1' },
            { upTo: null, unitPrice: '0.1', flatFee: '0.5' },
          ],
        },
      ],
    });
    fc.assert(
      fc.property(
        fc.constantFrom('project.posted', 'freelancer.hired', 'hours', 'bulk'),
        fc.integer({ min: 0, max: 1_000_000 }).map((n) => new BillingDecimal(n).div(1000)),
        (eventType, q) => {
          expect(pricer.periodAmount(eventType, q).toFixed()).toBe(
            pricer.priceForPeriod(eventType, q).amount.toFixed(),
          );
        },
      ),
      { numRuns: 500 },
    );
    expect(pricer.periodAmount('hours', new BillingDecimal('0.5')).toFixed()).toBe('0.166666');
    expect(pricer.periodAmount('bulk', new BillingDecimal(0)).toFixed()).toBe('0');
  });

  it('raises UNKNOWN_EVENT_TYPE for an event type with no price', () => {
    const pricer = new EventPricer(book);
    expect(pricer.has('nope')).toBe(false);
    expect(() => pricer.rate('nope', 1)).toThrow(UnknownEventTypeError);
    try {
      pricer.rate('nope', 1);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', eventType: 'nope', details: { eventType: 'nope' } });
    }
  });

  it('isolates a malformed definition to its own event type', () => {
    const pricer = new EventPricer(book);
    expect(() => pricer.rate('broken', 1)).toThrow(InvalidPriceDefinitionError);
    expect(pricer.rate('project.posted', 1).amount.toString()).toBe('2.00');
  });

  it('rejects duplicates, foreign currencies and negative quantities', () => {
    const dup = new EventPricer({ organizationPrices: [organizationPrices[0]!, organizationPrices[0]!] });
    expect(() => dup.rate('project.posted', 1)).toThrow(InvalidPriceDefinitionError);
    expect(() => new EventPricer(book, { currency: 'EUR' }).rate('project.posted', 1)).toThrow(CurrencyMismatchError);
    const badCurrency = new EventPricer({
      organizationPrices: [{ eventType: 'x', model: 'flat', currency: 'usd', unitPrice: '1' }],
    });
    expect(() => badCurrency.rate('x', 1)).toThrow(InvalidPriceDefinitionError);
    expect(() => new EventPricer(book).rate('project.posted', -1)).toThrowError(
      expect.objectContaining({ code: 'INVALID_QUANTITY' }),
    );
  });

  it("prices each entity in its own currency: the organization's definitions in other currencies are other regions", () => {
    const regional = {
      organizationPrices: [
        { eventType: 'project.posted', model: 'flat' as const, currency: 'USD', unitPrice: '2.50' },
        { eventType: 'project.posted', model: 'flat' as const, currency: 'EUR', unitPrice: '2.30' },
        { eventType: 'project.posted', model: 'flat' as const, currency: 'JPY', unitPrice: '380' },
        { eventType: 'message.sent', model: 'flat' as const, currency: 'USD', unitPrice: '0.10' },
      ],
    };
    expect(new EventPricer(regional, { currency: 'USD' }).rate('project.posted', 2).amount.toString()).toBe('5.00');
    expect(new EventPricer(regional, { currency: 'EUR' }).rate('project.posted', 2).amount.toString()).toBe('4.60');
    const yen = new EventPricer(regional, { currency: 'JPY' });
    expect(yen.rate('project.posted', 2).amount.toJSON()).toEqual({ amount: '760', currency: 'JPY' });
    // Priced in USD only: unknown to a JPY entity, not a currency mismatch.
    expect(yen.has('message.sent')).toBe(false);
    expect(() => yen.rate('message.sent', 1)).toThrow(UnknownEventTypeError);
  });

  it("property: the amounts of a period's events sum exactly to the period price", () => {
    const pricer = new EventPricer({
      organizationPrices: [
        {
          eventType: 'e',
          model: 'volume',
          currency: 'KWD',
          tiers: [
            { upTo: '7', unitPrice: '0.333333' },
            { upTo: '20.5', unitPrice: '0.123457', flatFee: '0.5' },
            { upTo: null, unitPrice: '0.000007' },
          ],
        },
      ],
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: 0, max: 5000 }).map((n) => new BillingDecimal(n).div(1000).toFixed()),
          { maxLength: 40 },
        ),
        (quantities) => {
          let used = new BillingDecimal(0);
          let total = pricer.priceForPeriod('e', 0);
          for (const q of quantities) {
            total = total.add(pricer.rate('e', q, used).amount);
            used = used.plus(q);
          }
          expect(total.equals(pricer.priceForPeriod('e', used))).toBe(true);
        },
      ),
    );
  });
});
