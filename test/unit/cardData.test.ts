import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsCardNumber } from '../../api/cardData.js';

/** A Luhn-valid number of `length` digits starting with `prefix`. */
function cardNumber(prefix: string, length: number, fill = 7): string {
  let body = prefix.padEnd(length - 1, String(fill));
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  body += String((10 - (sum % 10)) % 10);
  return body;
}

describe('containsCardNumber', () => {
  it('finds test card numbers, grouped or not, anywhere in a text', () => {
    for (const text of [
      '4242424242424242',
      '{"token":"4242 4242 4242 4242"}',
      '{"card":{"number":"5555-5555-5555-4444"}}',
      'x 378282246310005 y',
      '{"n": 4000056655665556}',
      'pm_4242424242424242',
      'card 4242424242424242.',
    ]) {
      expect(containsCardNumber(text), text).toBe(true);
    }
  });

  it('leaves tokens, ids, amounts and Luhn-invalid digit runs alone', () => {
    for (const text of [
      '{"token":"pm_card_visa"}',
      '{"token":"pm_1PgafuB7WZ01zgkW"}',
      '{"id":"01a251e8-b471-724d-abcd-e703b9e5bebf"}',
      '{"amount":"12345678901234.50"}',
      '4242424242424241',
      '42424242424242424242424242',
      '{"amount":"4242424242424242.00"}',
    ]) {
      expect(containsCardNumber(text), text).toBe(false);
    }
  });

  it('finds every Luhn-valid 13 to 19 digit number (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 13, max: 19 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 9 }),
        (len, first, fill) => {
          expect(containsCardNumber(`{"x":"${cardNumber(String(first), len, fill)}"}`)).toBe(true);
        },
      ),
    );
  });
});
