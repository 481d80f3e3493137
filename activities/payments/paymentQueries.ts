// Reading an organization's payments with their attempts: per invoice and per entity. A Payment belongs to the
// organization of its invoice or of its entity (legacy payments name a customer's invoice).
import type { Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

const ofOrganization = (organizationId: string): Prisma.PaymentWhereInput => ({
  OR: [{ invoice: { organizationId } }, { entity: { organizationId } }],
});
const include = {
  attempts: { orderBy: { attemptNumber: 'asc' } },
  disputes: { orderBy: { openedAt: 'asc' } },
} as const;

export type PaymentWithAttempts = NonNullable<Awaited<ReturnType<typeof findPayment>>>;

export interface PaymentFilter {
  invoiceId?: string | undefined;
  entityId?: string | undefined;
  status?: 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled' | undefined;
}

export async function listPayments(db: Db, organizationId: string, filter: PaymentFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.payment.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        ofOrganization(organizationId),
        filter.invoiceId ? { invoiceId: filter.invoiceId } : {},
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.status ? { status: filter.status } : {},
      ],
    },
    include,
  });
  return toPage(rows, page);
}

/** The invoice's payments; 404 for an invoice the organization does not have. */
export async function listInvoicePayments(db: Db, organizationId: string, invoiceId: string, page: PageRequest) {
  const invoice = await db.invoice.findFirst({ where: { id: invoiceId, organizationId }, select: { id: true } });
  if (!invoice) throw new ResourceNotFoundError('invoice');
  return listPayments(db, organizationId, { invoiceId }, page);
}

export async function findPayment(db: Db, organizationId: string, paymentId: string) {
  return db.payment.findFirst({ where: { AND: [{ id: paymentId }, ofOrganization(organizationId)] }, include });
}
