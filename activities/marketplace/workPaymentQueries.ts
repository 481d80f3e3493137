// Reads of work payments, their refunds and the ledger transactions they posted.
import type { WorkPaymentStatus } from '../../prisma/generated/client.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';

const withRefunds = { refunds: { orderBy: { id: 'asc' as const } } };

export async function findWorkPayment(db: Db, organizationId: string, id: string) {
  return db.workPayment.findFirst({ where: { id, organizationId }, include: withRefunds });
}

export type WorkPaymentWithRefunds = NonNullable<Awaited<ReturnType<typeof findWorkPayment>>>;

export async function listWorkPayments(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined; payeeId?: string | undefined; status?: WorkPaymentStatus | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.workPayment.findMany({
    ...args,
    include: withRefunds,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.payeeId ? { payeeId: filter.payeeId } : {},
        filter.status ? { status: filter.status } : {},
      ],
    },
  });
  return toPage(rows, page);
}

/** The ledger transactions a work payment posted, with their postings and accounts, oldest first. */
export async function workPaymentLedger(db: Db, organizationId: string, workPaymentId: string) {
  return db.ledgerTransaction.findMany({
    where: { organizationId, workPaymentId },
    orderBy: { id: 'asc' },
    include: { postings: { orderBy: { id: 'asc' }, include: { account: true } } },
  });
}
