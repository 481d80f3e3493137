// What every invoice.* webhook says about its invoice, built one way so that invoice.paid and invoice.voided (and the
// collection events) can never drift apart: the invoice's identity, and its amounts printed with at least the
// currency's minor-unit digits (domain/money.ts moneyText).
import { moneyText } from '../../domain/money.js';

interface InvoiceFields {
  id: string;
  entityId: string | null;
  number: number | null;
  currency: string;
}

interface InvoiceWithAmounts extends InvoiceFields {
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  total: { toString(): string };
  amountDue: { toString(): string };
  amountPaid: { toString(): string };
}

/** invoiceId, entityId, number, currency: the part every invoice.* payload starts with. */
export function invoiceIdentity(invoice: InvoiceFields) {
  return { invoiceId: invoice.id, entityId: invoice.entityId, number: invoice.number, currency: invoice.currency };
}

/** The identity, the status and the three amounts (invoice.paid, invoice.voided). */
export function invoiceStatusPayload(invoice: InvoiceWithAmounts) {
  return {
    ...invoiceIdentity(invoice),
    status: invoice.status,
    total: moneyText(invoice.total, invoice.currency),
    amountDue: moneyText(invoice.amountDue, invoice.currency),
    amountPaid: moneyText(invoice.amountPaid, invoice.currency),
  };
}

/** The identity and what is still owed (invoice.past_due, invoice.payment_failed). */
export function invoiceDuePayload(invoice: InvoiceFields & { amountDue: { toString(): string } }) {
  return { ...invoiceIdentity(invoice), amountDue: moneyText(invoice.amountDue, invoice.currency) };
}
