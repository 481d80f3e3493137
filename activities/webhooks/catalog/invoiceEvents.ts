// The webhook events of invoices: finalized, paid, voided, failing collection (eventCatalog.ts).
import { z } from 'zod';
import { Currency, entry, Id, Instant, moneyAmount } from './catalogKit.js';
import { invoice, PAYMENT, PERIOD } from './examples.js';

const InvoiceAmounts = z.object({
  invoiceId: Id,
  entityId: Id.nullable(),
  number: z.number().int().nullable(),
  currency: Currency,
});

const InvoiceFinalized = InvoiceAmounts.extend({
  kind: z.enum(['period', 'one_off']),
  total: moneyAmount(),
  amountDue: moneyAmount(),
  periodStart: Instant,
  periodEnd: Instant,
}).meta({ id: 'InvoiceFinalizedData' });

const InvoiceStatus = z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']);

const InvoicePaid = InvoiceAmounts.extend({
  status: InvoiceStatus,
  total: moneyAmount(),
  amountDue: moneyAmount(),
  amountPaid: moneyAmount(),
  paymentId: Id,
  attempt: z.number().int().nullable(),
  outOfBand: z.boolean(),
}).meta({ id: 'InvoicePaidData' });

const InvoiceVoided = InvoiceAmounts.extend({
  status: InvoiceStatus,
  total: moneyAmount(),
  amountDue: moneyAmount(),
  amountPaid: moneyAmount(),
}).meta({ id: 'InvoiceVoidedData' });

const InvoicePaymentFailed = InvoiceAmounts.extend({
  amountDue: moneyAmount(),
  attempt: z.number().int(),
  errorCode: z.string(),
  decision: z.enum(['retry', 'customer_action']).nullable().optional().meta({
    description: '`retry`: a later attempt may succeed; `customer_action`: none will until the customer acts',
  }),
  nextAttemptAt: Instant.nullable(),
}).meta({ id: 'InvoicePaymentFailedData' });

const InvoicePastDue = InvoiceAmounts.extend({ amountDue: moneyAmount() }).meta({ id: 'InvoicePastDueData' });

export const invoiceEvents = {
  'invoice.finalized': entry(
    'An invoice was numbered and issued: a period invoice at the close, or the invoice of one charge_now change.',
    InvoiceFinalized,
    { ...invoice, kind: 'period', total: '137.10', amountDue: '137.10', ...PERIOD },
  ),
  'invoice.payment_failed': entry(
    'A charge attempt of an invoice failed; `nextAttemptAt` is the next dunning attempt (null: none left).',
    InvoicePaymentFailed,
    {
      ...invoice,
      amountDue: '137.10',
      attempt: 1,
      errorCode: 'card_declined',
      decision: 'retry',
      nextAttemptAt: '2026-12-17T10:00:00.000Z',
    },
  ),
  'invoice.past_due': entry(
    'Every dunning attempt of an invoice failed: it is past due (and the entity suspended).',
    InvoicePastDue,
    { ...invoice, amountDue: '137.10' },
  ),
  'invoice.paid': entry(
    'An invoice was paid in full: a successful charge or a payment marked out of band.',
    InvoicePaid,
    {
      ...invoice,
      status: 'paid',
      total: '137.10',
      amountDue: '137.10',
      amountPaid: '137.10',
      paymentId: PAYMENT,
      attempt: 1,
      outOfBand: false,
    },
  ),
  'invoice.voided': entry('An invoice was voided: nothing is owed on it.', InvoiceVoided, {
    ...invoice,
    status: 'void',
    total: '137.10',
    amountDue: '137.10',
    amountPaid: '0.00',
  }),
} as const;
