// Reads of payouts.
import type { PayoutStatus } from '../../prisma/generated/client.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';

export async function findPayout(db: Db, organizationId: string, id: string) {
  return db.payout.findFirst({ where: { id, organizationId } });
}

export type PayoutRow = NonNullable<Awaited<ReturnType<typeof findPayout>>>;

export async function listPayouts(
  db: Db,
  organizationId: string,
  filter: { payeeId?: string | undefined; status?: PayoutStatus | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.payout.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.payeeId ? { payeeId: filter.payeeId } : {},
        filter.status ? { status: filter.status } : {},
      ],
    },
  });
  return toPage(rows, page);
}
