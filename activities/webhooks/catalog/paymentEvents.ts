// The webhook events of payments, disputes, refunds and credit notes (eventCatalog.ts).
import { z } from 'zod';
import { Currency, entry, Id, Instant, moneyAmount } from './catalogKit.js';
import { CREDIT_NOTE, DISPUTE, ENTITY, INVOICE, PAYMENT, payment, REFUND } from './examples.js';

const PaymentEvent = z
  .object({
    paymentId: Id,
    entityId: Id.nullable(),
    invoiceId: Id.nullable().meta({ description: 'null for an immediate credit purchase' }),
    status: z.enum(['pending', 'processing', 'succeeded', 'failed', 'canceled']),
    amount: moneyAmount(),
    currency: Currency,
    provider: z.string(),
    purpose: z.enum(['invoice', 'credit_purchase', 'out_of_band']),
    attempt: z.number().int().nullable().meta({ description: 'The provider attempt it concerns (null: none)' }),
    errorCode: z.string().nullable(),
    occurredAt: Instant,
  })
  .meta({ id: 'PaymentEventData' });

const PaymentDisputed = z
  .object({
    disputeId: Id,
    paymentId: Id,
    invoiceId: Id.nullable(),
    entityId: Id,
    amount: moneyAmount('The disputed amount'),
    currency: Currency,
    reason: z.string().nullable().meta({ description: "The provider's dispute reason (e.g. `fraudulent`)" }),
    entitySuspended: z.boolean().meta({ description: 'Whether the dispute suspended the entity (suspendOnDispute)' }),
  })
  .meta({ id: 'PaymentDisputedData' });

const PaymentDisputeClosed = z
  .object({
    disputeId: Id,
    paymentId: Id,
    invoiceId: Id.nullable(),
    entityId: Id,
    status: z.enum(['won', 'lost']),
  })
  .meta({ id: 'PaymentDisputeClosedData' });

// ─────────────────────────────── refunds and credit notes ───────────────────────────────

const RefundEvent = z
  .object({
    refundId: Id,
    invoiceId: Id,
    paymentId: Id,
    entityId: Id,
    kind: z.enum(['invoice', 'downgrade_credit', 'duplicate_charge']).meta({
      description:
        '`invoice`: asked for through the API; `downgrade_credit`: a downgrade credit refunded in cash; ' +
        '`duplicate_charge`: a charge that succeeded on an invoice already settled another way, returned in full',
    }),
    amount: moneyAmount(),
    currency: Currency,
    reason: z.string().nullable(),
  })
  .meta({ id: 'RefundEventData' });

const RefundFailed = RefundEvent.extend({ errorCode: z.string() }).meta({ id: 'RefundFailedData' });

const CreditNoteIssued = z
  .object({
    creditNoteId: Id,
    number: z.number().int().meta({ description: 'Numbered 1..N per organization, without gaps' }),
    invoiceId: Id,
    refundId: Id,
    amount: moneyAmount(),
    currency: Currency,
    reason: z.string(),
  })
  .meta({ id: 'CreditNoteIssuedData' });

export const paymentEvents = {
  'payment.succeeded': entry(
    'A payment succeeded: an invoice charge, an immediate credit purchase, or money recorded out of band.',
    PaymentEvent,
    { ...payment, status: 'succeeded', attempt: 1, errorCode: null },
  ),
  'payment.failed': entry(
    "An invoice's payment failed for good: every dunning attempt failed (each attempt is invoice.payment_failed).",
    PaymentEvent,
    { ...payment, status: 'failed', attempt: 4, errorCode: 'card_declined' },
  ),
  'payment.canceled': entry(
    'A pending charge will not be attempted again: its invoice was voided or paid another way.',
    PaymentEvent,
    { ...payment, status: 'canceled', attempt: null, errorCode: null },
  ),
  'payment.disputed': entry(
    'The customer disputed a payment at the provider (a chargeback); under suspendOnDispute the entity is suspended.',
    PaymentDisputed,
    {
      disputeId: DISPUTE,
      paymentId: PAYMENT,
      invoiceId: INVOICE,
      entityId: ENTITY,
      amount: '137.10',
      currency: 'USD',
      reason: 'fraudulent',
      entitySuspended: true,
    },
  ),
  'payment.dispute_closed': entry(
    'A dispute was closed, won or lost; a suspension it caused ends if nothing else holds the entity.',
    PaymentDisputeClosed,
    { disputeId: DISPUTE, paymentId: PAYMENT, invoiceId: INVOICE, entityId: ENTITY, status: 'won' },
  ),
  'refund.succeeded': entry(
    'A refund of a paid invoice (or of a downgrade credit) was paid out by the provider.',
    RefundEvent,
    {
      refundId: REFUND,
      invoiceId: INVOICE,
      paymentId: PAYMENT,
      entityId: ENTITY,
      kind: 'invoice',
      amount: '37.10',
      currency: 'USD',
      reason: 'requested_by_customer',
    },
  ),
  'refund.failed': entry(
    'The provider refused a refund; a downgrade credit that could not be refunded goes back on the next invoice.',
    RefundFailed,
    {
      refundId: REFUND,
      invoiceId: INVOICE,
      paymentId: PAYMENT,
      entityId: ENTITY,
      kind: 'downgrade_credit',
      amount: '12.50',
      currency: 'USD',
      reason: null,
      errorCode: 'charge_already_refunded',
    },
  ),
  'credit_note.issued': entry(
    'A credit note was issued for a refund the provider accepted (numbered per organization, without gaps).',
    CreditNoteIssued,
    {
      creditNoteId: CREDIT_NOTE,
      number: 7,
      invoiceId: INVOICE,
      refundId: REFUND,
      amount: '37.10',
      currency: 'USD',
      reason: 'requested_by_customer',
    },
  ),
} as const;
