// The entity as a customer of the payment provider: created at the provider once (key customer:<entityId>, so two
// processes creating it at once get the same customer back) and remembered in PaymentCustomer. And what a charge of
// the entity uses: its customer and its default payment method (or the provider's fallback, the sandbox's pm_card_ok).
import type { Db } from '../db.js';
import type { PaymentProvider } from './paymentProvider.js';

export interface PayingEntity {
  id: string;
  organizationId: string;
  name: string;
  defaultPaymentMethod: string | null;
}

export async function ensurePaymentCustomer(db: Db, provider: PaymentProvider, entity: PayingEntity): Promise<string> {
  const known = await db.paymentCustomer.findUnique({
    where: { entityId_provider: { entityId: entity.id, provider: provider.name } },
  });
  if (known) return known.customerRef;
  const { customerRef } = await provider.createCustomer({
    idempotencyKey: `customer:${entity.id}`,
    entityId: entity.id,
    organizationId: entity.organizationId,
    name: entity.name,
  });
  // Two first charges of one entity at once: both got the same customer (same key); one row is written.
  await db.paymentCustomer.createMany({
    data: [{ entityId: entity.id, provider: provider.name, customerRef }],
    skipDuplicates: true,
  });
  const row = await db.paymentCustomer.findUniqueOrThrow({
    where: { entityId_provider: { entityId: entity.id, provider: provider.name } },
  });
  return row.customerRef;
}

export interface ChargeTarget {
  customerRef: string;
  /** null: the entity has no payment method to charge (the attempt fails with payment_method_missing). */
  paymentMethod: string | null;
}

/** `override`: a provider token given for one attempt (a retry with another method). */
export async function chargeTarget(
  db: Db,
  provider: PaymentProvider,
  entity: PayingEntity,
  override?: string | null,
): Promise<ChargeTarget> {
  return {
    customerRef: await ensurePaymentCustomer(db, provider, entity),
    paymentMethod: override ?? entity.defaultPaymentMethod ?? provider.fallbackPaymentMethod ?? null,
  };
}
