import { assertCurrency, type CurrencyCode } from './currencies.js';
import { CurrencyMismatchError, InvalidInvoiceLineError } from './errors.js';
import { Money } from './money.js';

/**
 * Invoice composition: pending items in, invoice lines and totals out.
 *
 * - Each line is rounded once, half-even, to the currency's minor unit. Totals are sums of rounded lines and are
 *   never rounded again, so total = sum of lines holds exactly, and what the customer can add up on the PDF
 *   is what they are charged.
 * - subtotal = sum of every line except `credits_applied` (charges, prorations of either sign, adjustments).
 * - creditsApplied = the (non-negative) magnitude of the `credits_applied` lines: prepaid credits drawn for
 *   usage, shown as a negative line so the usage line itself shows the full usage.
 * - total = subtotal - creditsApplied = sum of all lines.
 * - amountDue = max(total, 0). A negative total (a downgrade credit larger than the period's charges) is not
 *   refunded in cash: it is reported as `creditCarryForward` and the caller carries it to the entity's next
 *   invoice as a negative `adjustment` line.
 * - Lines are ordered by kind (subscription fees, prorations, usage, credit purchases, adjustments, credits
 *   applied) and keep their input order within a kind, so the same items always produce the same invoice.
 */

export type InvoiceLineKind =
  | 'subscription_fee'
  | 'proration'
  | 'usage'
  | 'credit_purchase'
  | 'adjustment'
  | 'credits_applied';

export const INVOICE_LINE_KINDS: readonly InvoiceLineKind[] = [
  'subscription_fee',
  'proration',
  'usage',
  'credit_purchase',
  'adjustment',
  'credits_applied',
];

/** Kinds whose amount can never be negative; negative corrections are `adjustment` or `proration` lines. */
const NON_NEGATIVE_KINDS: ReadonlySet<InvoiceLineKind> = new Set(['subscription_fee', 'usage', 'credit_purchase']);

export interface InvoiceLineInput {
  kind: InvoiceLineKind;
  description: string;
  /** Exact amount; composition rounds it. `credits_applied` amounts are zero or negative. */
  amount: Money;
  /** Units shown on the line (seats, events), as a decimal string. */
  quantity?: string | null;
  /**
   * Price of one unit (a seat for one whole period), shown next to the quantity. A prorated line's amount is
   * quantity × unitAmount × its fraction of the period, rounded; a whole line's is quantity × unitAmount.
   */
  unitAmount?: Money | null;
  periodStart?: Date | null;
  periodEnd?: Date | null;
  /** The source record (e.g. InvoiceItem id), carried through for traceability. */
  reference?: string | null;
}

export interface InvoiceLine extends InvoiceLineInput {
  /** 1-based position on the invoice. */
  position: number;
  /** Rounded to the minor unit: the amount the invoice shows and sums. */
  amount: Money;
  /** The input amount before rounding, for audit. */
  unroundedAmount: Money;
}

export interface InvoiceTotals {
  subtotal: Money;
  /** Non-negative magnitude of the credits-applied lines. */
  creditsApplied: Money;
  /** subtotal - creditsApplied = sum of all lines. */
  total: Money;
  /** max(total, 0). */
  amountDue: Money;
  /** max(-total, 0): credit the entity keeps for its next invoice. */
  creditCarryForward: Money;
}

export interface ComposedInvoice extends InvoiceTotals {
  currency: CurrencyCode;
  lines: InvoiceLine[];
}

export function composeInvoice(currency: string, items: readonly InvoiceLineInput[]): ComposedInvoice {
  const code = assertCurrency(currency);
  items.forEach((item, index) => {
    validateLine(item, index + 1, code);
  });

  const ordered = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const byKind = INVOICE_LINE_KINDS.indexOf(a.item.kind) - INVOICE_LINE_KINDS.indexOf(b.item.kind);
      return byKind !== 0 ? byKind : a.index - b.index;
    });

  const lines: InvoiceLine[] = ordered.map(({ item }, index) => ({
    ...item,
    position: index + 1,
    amount: item.amount.round(),
    unroundedAmount: item.amount,
  }));

  let subtotal = Money.zero(code);
  let credits = Money.zero(code);
  for (const line of lines) {
    if (line.kind === 'credits_applied') credits = credits.add(line.amount);
    else subtotal = subtotal.add(line.amount);
  }
  const total = subtotal.add(credits);
  const zero = Money.zero(code);
  return {
    currency: code,
    lines,
    subtotal,
    creditsApplied: credits.negate(),
    total,
    amountDue: Money.max(total, zero),
    creditCarryForward: Money.max(total.negate(), zero),
  };
}

function validateLine(item: InvoiceLineInput, position: number, currency: CurrencyCode): void {
  if (!INVOICE_LINE_KINDS.includes(item.kind)) {
    throw new InvalidInvoiceLineError(`unknown kind ${JSON.stringify(item.kind)}`, position);
  }
  if (typeof item.description !== 'string' || item.description.trim() === '') {
    throw new InvalidInvoiceLineError('a line needs a description', position);
  }
  if (!Money.isMoney(item.amount)) throw new InvalidInvoiceLineError('amount must be Money', position);
  if (item.amount.currency !== currency) throw new CurrencyMismatchError(currency, item.amount.currency);
  if (item.kind === 'credits_applied' && item.amount.isPositive()) {
    throw new InvalidInvoiceLineError('credits applied are shown as a zero or negative amount', position);
  }
  if (NON_NEGATIVE_KINDS.has(item.kind) && item.amount.isNegative()) {
    throw new InvalidInvoiceLineError(`a ${item.kind} line cannot be negative; use an adjustment`, position);
  }
}

export type InvoiceStatusName = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

/**
 * What is still owed on an invoice, the "amount due" a reader expects: nothing once it is paid or void, otherwise
 * amountDue (fixed when the invoice was issued) minus what was paid, never below zero.
 */
export function amountRemaining(status: InvoiceStatusName, amountDue: Money, amountPaid: Money): Money {
  const zero = Money.zero(amountDue.currency);
  if (status === 'paid' || status === 'void') return zero;
  return Money.max(amountDue.subtract(amountPaid), zero);
}
