// The HTML rendering of an invoice (GET /api/billing/invoices/{id}/html): a self-contained page, printable to PDF
// by any browser. Every value is escaped; amounts are shown exactly as the API returns them.
//
// What a reader sees, line by line and in the totals, is what the JSON representation says: the unit price per seat,
// the fraction of the period a prorated line billed, the period by its first and last day, the prepaid credits once
// (in the totals, not again as a line) and, as "Amount due", what is still owed (0.00 once paid).

import { describePeriod } from '../domain/billingPeriods.js';
import { amountRemaining, type InvoiceStatusName } from '../domain/invoiceComposition.js';
import { Money } from '../domain/money.js';
import { formatDateInZone } from '../domain/zonedTime.js';
import { documentPage, escapeHtml } from './documentHtml.js';
import { money } from './openapiKit.js';

type Amount = { toString(): string };

export interface InvoiceDocument {
  id: string;
  kind: string;
  number: number | null;
  status: string;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
  subtotal: Amount;
  creditsApplied: Amount;
  total: Amount;
  amountDue: Amount;
  amountPaid: Amount;
  issuedAt: Date | null;
  dueAt: Date | null;
  organization: { name: string; billingEmail: string };
  entity: { name: string; timeZone: string } | null;
  customer: { name: string; email: string | null } | null;
  lines: Array<{
    position: number;
    kind: string;
    description: string;
    quantity: Amount;
    unitAmount: Amount | null;
    amount: Amount;
    metadata?: unknown;
  }>;
}

/** The fraction of the period a line billed, from its metadata (prorations and partial fees), or null. */
export function lineFraction(metadata: unknown): { value: string; seconds: number; periodSeconds: number } | null {
  if (typeof metadata !== 'object' || metadata === null) return null;
  const f = (metadata as { fraction?: unknown }).fraction;
  if (typeof f !== 'object' || f === null) return null;
  const { value, seconds, periodSeconds } = f as Record<string, unknown>;
  if (typeof value !== 'string' || typeof seconds !== 'number' || typeof periodSeconds !== 'number') return null;
  return { value, seconds, periodSeconds };
}

/** What is still owed on the invoice, in the API's money format. */
export function stillOwed(inv: Pick<InvoiceDocument, 'status' | 'currency' | 'amountDue' | 'amountPaid'>): string {
  const of = (a: Amount) => Money.of(a.toString(), inv.currency);
  return money(amountRemaining(inv.status as InvoiceStatusName, of(inv.amountDue), of(inv.amountPaid)), inv.currency);
}

export function renderInvoiceHtml(inv: InvoiceDocument): string {
  const zone = inv.entity?.timeZone ?? 'UTC';
  const date = (d: Date | null) => (d ? formatDateInZone(d, zone) : '—');
  const m = (a: Amount) => `${escapeHtml(money(a, inv.currency))} ${escapeHtml(inv.currency)}`;
  const billTo = inv.entity?.name ?? inv.customer?.name ?? '';
  const title = inv.number === null ? `Draft invoice` : `Invoice ${inv.number}`;
  const rows = inv.lines
    // Prepaid credits are shown once, as "Credits applied" in the totals.
    .filter((l) => l.kind !== 'credits_applied')
    .map((l) => {
      const fraction = lineFraction(l.metadata);
      const share = fraction ? `<br><small>× ${escapeHtml(fraction.value)} of the period</small>` : '';
      return (
        `<tr><td>${l.position}</td><td>${escapeHtml(l.description)}${share}</td>` +
        `<td class="n">${escapeHtml(l.quantity.toString())}</td>` +
        `<td class="n">${l.unitAmount === null ? '' : m(l.unitAmount)}</td><td class="n">${m(l.amount)}</td></tr>`
      );
    })
    .join('\n');
  const credits = Money.of(inv.creditsApplied.toString(), inv.currency);
  return documentPage(
    `${title} — ${inv.organization.name} — total ${money(inv.total, inv.currency)} ${inv.currency}`,
    `<h1>${escapeHtml(title)}</h1>
<p class="status">${escapeHtml(inv.status)}</p>
<p>From: ${escapeHtml(inv.organization.name)} (${escapeHtml(inv.organization.billingEmail)})<br>
Bill to: ${escapeHtml(billTo)}<br>
Period: ${escapeHtml(describePeriod({ start: inv.periodStart, end: inv.periodEnd }, zone))} (${escapeHtml(zone)})<br>
Issued: ${date(inv.issuedAt)} · Due: ${date(inv.dueAt)}<br>
Invoice id: ${escapeHtml(inv.id)}</p>
<table>
<thead><tr><th>#</th><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<table class="totals">
<tr><td>Subtotal</td><td class="n">${m(inv.subtotal)}</td></tr>
${credits.isZero() ? '' : `<tr><td>Credits applied</td><td class="n">${m(credits.negate())}</td></tr>\n`}<tr><td>Total</td><td class="n">${m(inv.total)}</td></tr>
<tr><td>Amount paid</td><td class="n">${m(inv.amountPaid)}</td></tr>
<tr><td><strong>Amount due</strong></td><td class="n"><strong>${escapeHtml(stillOwed(inv))} ${escapeHtml(inv.currency)}</strong></td></tr>
</table>`,
    '.status{text-transform:uppercase;font-weight:bold}',
  );
}
