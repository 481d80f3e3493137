// The HTML rendering of a payee's statement (GET /api/marketplace/payees/{id}/statement): a self-contained page like
// the credit note's (api/creditNoteHtml.ts), printable to PDF by any browser. Every value is escaped; times in UTC.
import type { PayeeStatement } from '../activities/marketplace/payeeStatement.js';
import { documentPage, escapeHtml } from './documentHtml.js';

const KINDS: Record<string, string> = {
  work_payment: 'Earnings',
  work_payment_refund: 'Refund clawed back',
  payout: 'Payout',
  payout_failed: 'Payout returned',
};

export function renderPayeeStatementHtml(s: PayeeStatement): string {
  const m = (a: { toString(): string }) => `${escapeHtml(a.toString())} ${escapeHtml(s.currency)}`;
  const day = (d: Date) => escapeHtml(d.toISOString().slice(0, 10));
  const title = `Statement of ${s.payee.name}`;
  const rows = s.lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.at.toISOString())}</td><td>${escapeHtml(KINDS[l.kind] ?? l.kind)}</td>` +
        `<td>${escapeHtml(l.description)}</td><td class="n">${m(l.amount)}</td></tr>`,
    )
    .join('\n');
  return documentPage(
    `${title} — ${s.organization.name}`,
    `<h1>${escapeHtml(title)}</h1>
<p>From: ${escapeHtml(s.organization.name)}<br>
Payee: ${escapeHtml(s.payee.name)} (${escapeHtml(s.payee.kind)}, ${escapeHtml(s.payee.id)})<br>
Period: ${day(s.from)} to ${day(s.to)} (UTC, end exclusive) · Currency: ${escapeHtml(s.currency)}</p>
<table>
<thead><tr><th>When (UTC)</th><th>What</th><th>Description</th><th class="n">Amount</th></tr></thead>
<tbody>
<tr><td>${day(s.from)}</td><td>Opening balance</td><td></td><td class="n">${m(s.opening)}</td></tr>
${rows}
</tbody>
</table>
<table class="totals">
<tr><td><strong>Closing balance</strong></td><td class="n"><strong>${m(s.closing)}</strong></td></tr>
</table>`,
  );
}
