// PCI DSS scope stays SAQ-A: card numbers never reach the platform. Payment methods arrive as provider tokens (Stripe
// Elements / Checkout tokenize in the customer's browser); a request body that holds anything shaped like a card number
// is refused with 422 CARD_DATA_REFUSED before validation, idempotency storage or any handler sees it, and the refusal
// names no value (the body is never logged: the request log has method, path and status only).
//
// "Shaped like a card number": 13 to 19 digits, alone or grouped by single spaces or dashes, not part of a longer
// word, id or decimal number, that pass the Luhn check every card number passes. Checked in the raw body and in every JSON string
// after unescaping (so "\u0034\u0032..." is caught too).
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './auth.js';
import { ProblemError } from './problem.js';

// Not inside a word, an id or a decimal number (12345678901234.50 is an amount).
const CANDIDATE = /(?<![0-9A-Za-z]|[0-9]\.)[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z]|\.[0-9])/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return true;
  }
  return false;
}

function strings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number') out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
}

/** Route middleware (before validation): 422 CARD_DATA_REFUSED for a body holding a card number. */
export const refuseCardData: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const body = await c.req.text();
  let found = containsCardNumber(body);
  if (!found) {
    try {
      const leaves: string[] = [];
      strings(JSON.parse(body), leaves);
      found = leaves.some(containsCardNumber);
    } catch {
      // Not JSON: validation answers it.
    }
  }
  if (found) {
    throw new ProblemError(
      422,
      'CARD_DATA_REFUSED',
      'Card data refused',
      'Send a payment method token from your payment provider, never a card number (PCI DSS SAQ-A)',
    );
  }
  await next();
};
