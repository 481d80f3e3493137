// The console's sums of API amounts: exact, and shown with the decimals the amounts have (the API prints each with
// at least its currency's minor-unit digits), so a yen total shows no cents and a dinar total keeps its fils.
import { describe, expect, it } from 'vitest';
import { currencyDigits, sumAmounts } from '../../web/lib/money.js';

describe('sumAmounts', () => {
  it('keeps the minor unit of the currency the amounts are in', () => {
    expect(sumAmounts(['1200', '501'])).toBe('1701');
    expect(sumAmounts(['5.003', '10.005'])).toBe('15.008');
    expect(sumAmounts(['0.10', '0.20'])).toBe('0.30');
    expect(sumAmounts(['-5.002', '10.005'])).toBe('5.003');
    expect(sumAmounts([])).toBe('0');
  });

  it('is exact where floating point is not, and takes a fixed number of decimals when asked', () => {
    expect(sumAmounts(['0.1', '0.2'])).toBe('0.3');
    expect(sumAmounts(['1.123456', '0.000001'])).toBe('1.123457');
    expect(sumAmounts(['1200'], 2)).toBe('1200.00');
  });
});

describe('currencyDigits', () => {
  it('is the minor unit of the currency: JPY none, USD two, KWD three', () => {
    expect(['JPY', 'USD', 'KWD', 'BHD'].map(currencyDigits)).toEqual([0, 2, 3, 3]);
  });
});
