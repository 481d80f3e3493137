// An entity's payment methods: provider tokens attached to its customer at the provider (never card numbers: PCI DSS
// SAQ-A), listed with what the provider says about them (brand, last four digits, expiry), one of them the default the
// collection charges (Entity.defaultPaymentMethodId, and its token in Entity.defaultPaymentMethod). Every change is
// audited. Attaching the same token again returns the method it already is (re-attaching a detached one revives it).
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import type { PageRequest } from '../pagination.js';
import { pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { ensurePaymentCustomer } from './paymentCustomers.js';
import { PaymentMethodRefusedError, type PaymentProvider } from './paymentProvider.js';

type Tx = Prisma.TransactionClient;
export type PaymentMethodRow = Awaited<ReturnType<Db['paymentMethod']['findUniqueOrThrow']>> & { isDefault: boolean };

async function payingEntity(db: Db | Tx, organizationId: string, entityId: string) {
  const entity = await db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  return entity;
}

/** Locks the entity row (its default is changed under it) and reads it. */
async function lockEntity(tx: Tx, organizationId: string, entityId: string) {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text FROM "Entity"
    WHERE id = ${entityId}::uuid AND "organizationId" = ${organizationId}::uuid AND "deletedAt" IS NULL FOR UPDATE`;
  if (rows.length === 0) throw new ResourceNotFoundError('entity');
  return tx.entity.findUniqueOrThrow({ where: { id: entityId } });
}

const withDefault = (
  row: Awaited<ReturnType<Db['paymentMethod']['findUniqueOrThrow']>>,
  defaultId: string | null,
): PaymentMethodRow => ({ ...row, isDefault: row.id === defaultId });

export async function attachPaymentMethod(
  db: Db,
  provider: PaymentProvider,
  actor: Actor,
  organizationId: string,
  entityId: string,
  input: { token: string; setDefault?: boolean | undefined },
): Promise<{ method: PaymentMethodRow; created: boolean }> {
  const entity = await payingEntity(db, organizationId, entityId);
  if (!provider.supportsCurrency(entity.currency)) {
    throw new UnprocessableError(
      'CURRENCY_NOT_SUPPORTED',
      `The payment provider (${provider.name}) does not charge in ${entity.currency}, the entity's currency`,
    );
  }
  const customerRef = await ensurePaymentCustomer(db, provider, entity);
  let attached: Awaited<ReturnType<PaymentProvider['attachPaymentMethod']>>;
  try {
    attached = await provider.attachPaymentMethod({
      idempotencyKey: `attach:${entity.id}:${input.token}`,
      customerRef,
      token: input.token,
    });
  } catch (err) {
    if (err instanceof PaymentMethodRefusedError) throw new UnprocessableError(err.code, err.message, 'token');
    throw err;
  }
  return db.$transaction(async (tx) => {
    const locked = await lockEntity(tx, organizationId, entityId);
    const key = {
      entityId_provider_providerRef: { entityId, provider: provider.name, providerRef: attached.providerRef },
    };
    const existing = await tx.paymentMethod.findUnique({ where: key });
    const details = {
      type: attached.type,
      brand: attached.brand,
      last4: attached.last4,
      expMonth: attached.expMonth,
      expYear: attached.expYear,
    };
    const row = existing
      ? await tx.paymentMethod.update({ where: { id: existing.id }, data: { ...details, detachedAt: null } })
      : await tx.paymentMethod.create({
          data: { organizationId, entityId, provider: provider.name, providerRef: attached.providerRef, ...details },
        });
    // The first method of an entity becomes its default unless asked otherwise.
    const makeDefault = input.setDefault ?? locked.defaultPaymentMethodId === null;
    let defaultId = locked.defaultPaymentMethodId;
    if (makeDefault) {
      await tx.entity.update({
        where: { id: entityId },
        data: { defaultPaymentMethodId: row.id, defaultPaymentMethod: row.providerRef },
      });
      defaultId = row.id;
    }
    const created = !existing || existing.detachedAt !== null;
    if (created || makeDefault) {
      await recordAudit(tx, actor, {
        organizationId,
        action: 'payment_method.attach',
        targetType: 'payment_method',
        targetId: row.id,
        before: existing,
        after: { ...row, isDefault: defaultId === row.id },
      });
    }
    return { method: withDefault(row, defaultId), created };
  });
}

export async function listPaymentMethods(db: Db, organizationId: string, entityId: string, page: PageRequest) {
  const entity = await payingEntity(db, organizationId, entityId);
  const args = pageArgs(page);
  const rows = await db.paymentMethod.findMany({
    ...args,
    where: { AND: [args.where, { entityId, organizationId, detachedAt: null }] },
  });
  return toPage(
    rows.map((r) => withDefault(r, entity.defaultPaymentMethodId)),
    page,
  );
}

async function attachedMethod(tx: Tx, entityId: string, paymentMethodId: string) {
  const row = await tx.paymentMethod.findFirst({ where: { id: paymentMethodId, entityId, detachedAt: null } });
  if (!row) throw new ResourceNotFoundError('payment method');
  return row;
}

export async function setDefaultPaymentMethod(
  db: Db,
  provider: PaymentProvider,
  actor: Actor,
  organizationId: string,
  entityId: string,
  paymentMethodId: string,
): Promise<PaymentMethodRow> {
  return db.$transaction(async (tx) => {
    const entity = await lockEntity(tx, organizationId, entityId);
    const row = await attachedMethod(tx, entityId, paymentMethodId);
    if (row.provider !== provider.name) {
      throw new UnprocessableError(
        'PAYMENT_METHOD_WRONG_PROVIDER',
        `The method was attached through ${row.provider}; payments now go through ${provider.name}`,
        'paymentMethodId',
      );
    }
    if (entity.defaultPaymentMethodId !== row.id) {
      await tx.entity.update({
        where: { id: entityId },
        data: { defaultPaymentMethodId: row.id, defaultPaymentMethod: row.providerRef },
      });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'payment_method.set_default',
        targetType: 'entity',
        targetId: entityId,
        before: { defaultPaymentMethodId: entity.defaultPaymentMethodId },
        after: { defaultPaymentMethodId: row.id },
      });
    }
    return withDefault(row, row.id);
  });
}

export async function detachPaymentMethod(
  db: Db,
  provider: PaymentProvider,
  actor: Actor,
  organizationId: string,
  entityId: string,
  paymentMethodId: string,
  now = new Date(),
): Promise<PaymentMethodRow> {
  const entity = await payingEntity(db, organizationId, entityId);
  const row = await db.paymentMethod.findFirst({ where: { id: paymentMethodId, entityId, detachedAt: null } });
  if (!row) throw new ResourceNotFoundError('payment method');
  if (row.provider === provider.name) {
    const customerRef = await ensurePaymentCustomer(db, provider, entity);
    await provider.detachPaymentMethod({ customerRef, providerRef: row.providerRef });
  }
  return db.$transaction(async (tx) => {
    const locked = await lockEntity(tx, organizationId, entityId);
    const current = await attachedMethod(tx, entityId, paymentMethodId);
    const detached = await tx.paymentMethod.update({ where: { id: current.id }, data: { detachedAt: now } });
    // No default left: a real provider's next charge fails as payment_method_missing until another is set (the
    // sandbox charges its pm_card_ok), never a stale token.
    if (locked.defaultPaymentMethodId === current.id) {
      await tx.entity.update({
        where: { id: entityId },
        data: { defaultPaymentMethodId: null, defaultPaymentMethod: null },
      });
    }
    await recordAudit(tx, actor, {
      organizationId,
      action: 'payment_method.detach',
      targetType: 'payment_method',
      targetId: current.id,
      before: current,
      after: detached,
    });
    return withDefault(detached, null);
  });
}

/** The provider token of an attached method of the entity (a retry with another method); 404 when none. */
export async function paymentMethodToken(
  db: Db,
  organizationId: string,
  entityId: string,
  paymentMethodId: string,
): Promise<string> {
  const row = await db.paymentMethod.findFirst({
    where: { id: paymentMethodId, entityId, organizationId, detachedAt: null },
  });
  if (!row)
    throw new UnprocessableError('UNKNOWN_PAYMENT_METHOD', 'No such payment method on this entity', 'paymentMethodId');
  return row.providerRef;
}
