// Invoices as the legacy /api/invoices serves them: the same Invoice rows, each attributed to a legacy customer:
// its own customerId, or else the (oldest) customer linked to the invoice's entity.
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

type InvoiceRow = Awaited<ReturnType<Db['invoice']['findUniqueOrThrow']>>;
export type LegacyInvoiceRow = InvoiceRow & { legacyCustomerId: string | null };

async function attribute(db: Db, organizationId: string, rows: InvoiceRow[]): Promise<LegacyInvoiceRow[]> {
  const entityIds = [...new Set(rows.filter((r) => !r.customerId && r.entityId).map((r) => r.entityId as string))];
  const linked =
    entityIds.length === 0
      ? []
      : await db.customer.findMany({
          where: { organizationId, deletedAt: null, entityId: { in: entityIds } },
          orderBy: { id: 'asc' },
          select: { id: true, entityId: true },
        });
  const byEntity = new Map<string, string>();
  for (const c of linked) if (c.entityId && !byEntity.has(c.entityId)) byEntity.set(c.entityId, c.id);
  return rows.map((r) => ({
    ...r,
    legacyCustomerId: r.customerId ?? (r.entityId ? (byEntity.get(r.entityId) ?? null) : null),
  }));
}

export async function listLegacyInvoices(
  db: Db,
  organizationId: string,
  filter: { customerId?: string | undefined; status?: InvoiceRow['status'] | undefined },
  page: PageRequest,
) {
  let customerScope = {};
  if (filter.customerId) {
    const customer = await db.customer.findFirst({
      where: { id: filter.customerId, organizationId, deletedAt: null },
    });
    if (!customer) throw new ResourceNotFoundError('customer');
    customerScope = {
      OR: [
        { customerId: customer.id },
        ...(customer.entityId ? [{ customerId: null, entityId: customer.entityId }] : []),
      ],
    };
  }
  const args = pageArgs(page);
  const rows = await db.invoice.findMany({
    ...args,
    where: { AND: [args.where, { organizationId }, customerScope, filter.status ? { status: filter.status } : {}] },
  });
  const paged = toPage(rows, page);
  return { ...paged, items: await attribute(db, organizationId, paged.items) };
}

export async function findLegacyInvoice(db: Db, organizationId: string, id: string) {
  const row = await db.invoice.findFirst({ where: { id, organizationId } });
  if (!row) return null;
  const [attributed] = await attribute(db, organizationId, [row]);
  return attributed ?? null;
}
