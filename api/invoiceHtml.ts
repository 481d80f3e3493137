// The HTML rendering of an invoice (GET /api/billing/invoices/{id}/html): a self-contained page, printable to PDF
// by any browser. Every value is escaped; amounts are shown exactly as the API returns them.
import { formatDateInZone } from '../domain/zonedTime.js';
import { money } from './openapiKit.js';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

type Amount = { toString(): string };

export interface InvoiceDocument {
  id: string;
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
  lines: Array<{ position: number; description: string; quantity: Amount; unitAmount: Amount | null; amount: Amount }>;
}

export function renderInvoiceHtml(inv: InvoiceDocument): string {
  const zone = inv.entity?.timeZone ?? 'UTC';
  const date = (d: Date | null) => (d ? formatDateInZone(d, zone) : '—');
  const m = (a: Amount) => `${escapeHtml(money(a, inv.currency))} ${escapeHtml(inv.currency)}`;
  const billTo = inv.entity?.name ?? inv.customer?.name ?? '';
  const title = inv.number === null ? `Draft invoice` : `Invoice ${inv.number}`;
  const rows = inv.lines
    .map(
      (l) =>
        `<tr><td>${l.position}</td><td>${escapeHtml(l.description)}</td><td class="n">${escapeHtml(l.quantity.toString())}</td>` +
        `<td class="n">${l.unitAmount === null ? '' : m(l.unitAmount)}</td><td class="n">${m(l.amount)}</td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>${escapeHtml(title)} — ${escapeHtml(inv.organization.name)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}.n{text-align:right}.totals td{border:none}
.status{text-transform:uppercase;font-weight:bold}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="status">${escapeHtml(inv.status)}</p>
<p>From: ${escapeHtml(inv.organization.name)} (${escapeHtml(inv.organization.billingEmail)})<br>
Bill to: ${escapeHtml(billTo)}<br>
Period: ${date(inv.periodStart)} – ${date(inv.periodEnd)} (${escapeHtml(zone)})<br>
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
<tr><td>Credits applied</td><td class="n">${m(inv.creditsApplied)}</td></tr>
<tr><td>Total</td><td class="n">${m(inv.total)}</td></tr>
<tr><td>Amount paid</td><td class="n">${m(inv.amountPaid)}</td></tr>
<tr><td><strong>Amount due</strong></td><td class="n"><strong>${m(inv.amountDue)}</strong></td></tr>
</table>
</body>
</html>
`;
}
