// Reading what was returned: refunds (the ledger: every refund with its amount, status, payment and credit note) and
// credit notes (with what their document shows), per organization, filtered by entity or invoice.
import type { Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';

export interface RefundFilter {
  entityId?: string | undefined;
  invoiceId?: string | undefined;
  status?: 'pending' | 'succeeded' | 'failed' | undefined;
}

const refundInclude = { creditNote: { select: { id: true, number: true } } } as const;
export type RefundWithNote = Prisma.RefundGetPayload<{ include: typeof refundInclude }>;

export async function listRefunds(db: Db, organizationId: string, filter: RefundFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.refund.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.invoiceId ? { invoiceId: filter.invoiceId } : {},
        filter.status ? { status: filter.status } : {},
      ],
    },
    include: refundInclude,
  });
  return toPage(rows, page);
}

export const findRefund = (db: Db, organizationId: string, id: string) =>
  db.refund.findFirst({ where: { id, organizationId }, include: refundInclude });

export async function listCreditNotes(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined; invoiceId?: string | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.creditNote.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.invoiceId ? { invoiceId: filter.invoiceId } : {},
      ],
    },
    include: { invoice: { select: { number: true } } },
  });
  return toPage(rows, page);
}

export const findCreditNote = (db: Db, organizationId: string, id: string) =>
  db.creditNote.findFirst({ where: { id, organizationId }, include: { invoice: { select: { number: true } } } });

/** Everything the credit note's HTML shows: the note, its invoice, organization, entity and refund. */
export const creditNoteDocument = (db: Db, organizationId: string, id: string) =>
  db.creditNote.findFirst({
    where: { id, organizationId },
    include: {
      invoice: { select: { id: true, number: true, total: true, amountPaid: true, currency: true } },
      organization: { select: { name: true, billingEmail: true } },
      entity: { select: { name: true, timeZone: true } },
      refund: { select: { id: true, status: true, kind: true, providerRef: true, provider: true } },
    },
  });
