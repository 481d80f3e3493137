// The HTML rendering of a credit note (GET /api/billing/credit-notes/{id}/html): a self-contained page like the
// invoice's (api/invoiceHtml.ts), printable to PDF by any browser. Every value is escaped; amounts as the API shows them.
import { formatDateInZone } from '../domain/zonedTime.js';
import { documentPage, escapeHtml } from './documentHtml.js';
import { money } from './openapiKit.js';

type Amount = { toString(): string };

export interface CreditNoteDocument {
  id: string;
  number: number;
  amount: Amount;
  currency: string;
  reason: string;
  description: string;
  issuedAt: Date;
  invoice: { id: string; number: number | null; total: Amount; amountPaid: Amount };
  organization: { name: string; billingEmail: string };
  entity: { name: string; timeZone: string };
  refund: { id: string; status: string; kind: string; provider: string; providerRef: string | null };
}

const REASONS: Record<string, string> = {
  requested_by_customer: 'Requested by the customer',
  downgrade_credit: 'Credit for a subscription downgrade, refunded',
  refunded_at_provider: 'Refunded at the payment provider',
  duplicate: 'Duplicate payment',
  fraudulent: 'Fraudulent payment',
};

export function renderCreditNoteHtml(note: CreditNoteDocument): string {
  const zone = note.entity.timeZone;
  const m = (a: Amount) => `${escapeHtml(money(a, note.currency))} ${escapeHtml(note.currency)}`;
  const title = `Credit note ${note.number}`;
  const invoice = note.invoice.number === null ? note.invoice.id : `Invoice ${note.invoice.number}`;
  return documentPage(
    `${title} — ${note.organization.name}`,
    `<h1>${escapeHtml(title)}</h1>
<p>From: ${escapeHtml(note.organization.name)} (${escapeHtml(note.organization.billingEmail)})<br>
To: ${escapeHtml(note.entity.name)}<br>
Credits: ${escapeHtml(invoice)} (total ${m(note.invoice.total)}, paid ${m(note.invoice.amountPaid)})<br>
Issued: ${escapeHtml(formatDateInZone(note.issuedAt, zone))} (${escapeHtml(zone)})<br>
Reason: ${escapeHtml(REASONS[note.reason] ?? note.reason)}<br>
Credit note id: ${escapeHtml(note.id)} · Refund: ${escapeHtml(note.refund.id)} (${escapeHtml(note.refund.status)})</p>
<table>
<thead><tr><th>Description</th><th class="n">Amount</th></tr></thead>
<tbody>
<tr><td>${escapeHtml(note.description)}</td><td class="n">${m(note.amount)}</td></tr>
</tbody>
</table>
<table class="totals">
<tr><td><strong>Total credited</strong></td><td class="n"><strong>${m(note.amount)}</strong></td></tr>
<tr><td>Refunded to</td><td class="n">${escapeHtml(note.refund.provider === 'out_of_band' ? 'paid out of band' : `the original payment (${note.refund.provider})`)}</td></tr>
</table>`,
  );
}
