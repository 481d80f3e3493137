// Reading an organization's invoices and their lines (the invoices themselves are written by the billing workflow).
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export interface InvoiceFilter {
  entityId?: string | undefined;
  customerId?: string | undefined;
  status?: InvoiceStatus | undefined;
  /** Invoices whose period starts at or after this instant. */
  periodStartFrom?: Date | undefined;
  /** Invoices whose period starts before this instant. */
  periodStartTo?: Date | undefined;
}

export async function listInvoices(db: Db, organizationId: string, filter: InvoiceFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.invoice.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.customerId ? { customerId: filter.customerId } : {},
        filter.status ? { status: filter.status } : {},
        filter.periodStartFrom ? { periodStart: { gte: filter.periodStartFrom } } : {},
        filter.periodStartTo ? { periodStart: { lt: filter.periodStartTo } } : {},
      ],
    },
  });
  return toPage(rows, page);
}

export async function findInvoice(db: Db, organizationId: string, id: string) {
  return db.invoice.findFirst({ where: { id, organizationId } });
}

export async function listInvoiceLines(db: Db, organizationId: string, invoiceId: string, page: PageRequest) {
  const invoice = await findInvoice(db, organizationId, invoiceId);
  if (!invoice) throw new ResourceNotFoundError('invoice');
  const args = pageArgs(page);
  const rows = await db.invoiceLine.findMany({ ...args, where: { AND: [args.where, { invoiceId }] } });
  return { invoice, page: toPage(rows, page) };
}

/** Everything the HTML rendering shows: the invoice, all its lines in order, its organization and entity. */
export async function invoiceDocument(db: Db, organizationId: string, id: string) {
  return db.invoice.findFirst({
    where: { id, organizationId },
    include: {
      lines: { orderBy: { position: 'asc' } },
      organization: { select: { name: true, billingEmail: true } },
      entity: { select: { name: true, timeZone: true } },
      customer: { select: { name: true, email: true } },
    },
  });
}
