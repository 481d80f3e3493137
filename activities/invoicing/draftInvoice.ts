// The columns of a draft invoice and its line rows, from its composition (domain/invoiceComposition.ts): what the
// period close and a charge_now change's one-off invoice both write. The caller adds who and what the invoice is for
// (organization, entity, kind, period, key); numbering is finalizeInvoice's.
import type { ComposedInvoice, InvoiceLine } from '../../domain/index.js';
import type { Prisma } from '../db.js';

/** What a line's source item adds: its unit amount as stored, and its metadata (kept, plus the line's reference). */
export interface LineSource {
  unitAmount: Prisma.Decimal | string | null;
  metadata: Prisma.JsonValue | null | undefined;
}

export function draftInvoiceColumns(composed: ComposedInvoice, at: Date, sourceOf: (line: InvoiceLine) => LineSource) {
  return {
    number: null,
    status: 'draft' as const,
    subtotal: composed.subtotal.toString(),
    creditsApplied: composed.creditsApplied.toString(),
    total: composed.total.toString(),
    amountDue: composed.amountDue.toString(),
    issuedAt: at,
    dueAt: at,
    lines: {
      create: composed.lines.map((line) => {
        const source = sourceOf(line);
        return {
          position: line.position,
          kind: line.kind,
          description: line.description,
          quantity: line.quantity ?? '1',
          unitAmount: source.unitAmount,
          amount: line.amount.toString(),
          periodStart: line.periodStart ?? null,
          periodEnd: line.periodEnd ?? null,
          metadata: {
            ...((source.metadata as Prisma.JsonObject | null | undefined) ?? {}),
            reference: line.reference ?? null,
            unroundedAmount: line.unroundedAmount.toString(),
          },
        };
      }),
    },
  };
}
