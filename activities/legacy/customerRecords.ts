// Legacy customers (/api/customers), kept working for pre-platform integrations. A customer may be linked to the
// entity that now bills it; its invoices are then the entity's.
import { type Actor, recordAudit } from '../auditLog.js';
import { type Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

type Tx = Prisma.TransactionClient;

export interface CustomerFields {
  name: string;
  email?: string | null | undefined;
  externalId?: string | null | undefined;
  currency?: string | undefined;
  entityId?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
}

async function assertEntity(tx: Tx, organizationId: string, entityId: string | null | undefined) {
  if (!entityId) return;
  const entity = await tx.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
}

const json = (m: Record<string, unknown> | null | undefined) =>
  m === undefined ? undefined : m === null ? Prisma.DbNull : (m as Prisma.InputJsonValue);

export async function createCustomer(db: Db, actor: Actor, organizationId: string, input: CustomerFields) {
  return db.$transaction(async (tx) => {
    await assertEntity(tx, organizationId, input.entityId);
    const customer = await tx.customer.create({
      data: {
        organizationId,
        name: input.name,
        email: input.email ?? null,
        externalId: input.externalId ?? null,
        currency: input.currency ?? 'USD',
        entityId: input.entityId ?? null,
        metadata: json(input.metadata),
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'customer.create',
      targetType: 'customer',
      targetId: customer.id,
      after: customer,
    });
    return customer;
  });
}

export async function listCustomers(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined; externalId?: string | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.customer.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId, deletedAt: null },
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.externalId ? { externalId: filter.externalId } : {},
      ],
    },
  });
  return toPage(rows, page);
}

export async function findCustomer(db: Db | Tx, organizationId: string, id: string) {
  return db.customer.findFirst({ where: { id, organizationId, deletedAt: null } });
}

export async function updateCustomer(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  patch: Partial<CustomerFields>,
) {
  return db.$transaction(async (tx) => {
    const before = await findCustomer(tx, organizationId, id);
    if (!before) throw new ResourceNotFoundError('customer');
    await assertEntity(tx, organizationId, patch.entityId);
    const { metadata, ...rest } = patch;
    const after = await tx.customer.update({ where: { id }, data: { ...rest, metadata: json(metadata) } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'customer.update',
      targetType: 'customer',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}

export async function deleteCustomer(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction(async (tx) => {
    const before = await findCustomer(tx, organizationId, id);
    if (!before) throw new ResourceNotFoundError('customer');
    const after = await tx.customer.update({ where: { id }, data: { deletedAt: now } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'customer.delete',
      targetType: 'customer',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}
