// An entity buys a credit package: a grant of the package's credits expiring validityDays after the purchase, its
// opening ledger entry, and the charge for the package's price, either
//   payment 'invoice' (default)  an InvoiceItem (kind credit_purchase) billed on the entity's next invoice, or
//   payment 'immediate'          a charge through the PaymentProvider now (the entity's defaultPaymentMethod), recorded
//                                as a succeeded Payment; a failed charge creates nothing (402 PAYMENT_FAILED).
// Idempotent on (entity, idempotencyKey): a repeat returns the first purchase; the same key for another package or
// payment mode is IDEMPOTENCY_KEY_CONFLICT. The provider is called with a deterministic key, so a retry after a crash
// between the charge and the commit never charges twice.
import { Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { chargeTarget } from '../payments/paymentCustomers.js';
import { recordPaymentEvent } from '../payments/paymentEvents.js';
import type { PaymentProvider } from '../payments/paymentProvider.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { entityClockNow } from '../testClocks/testClockRecords.js';
import { undispatchedWebhookEvents } from '../webhooks/outboxEvents.js';
import { recordCreditsGranted } from './creditEvents.js';
import { type CreditGrantView, creditGrantView } from './creditGrantView.js';
import { lockCreditEntity } from './entityCreditState.js';
import { issueCreditGrant } from './issueCreditGrant.js';

export interface PurchaseInput {
  entityId: string;
  packageId: string;
  idempotencyKey: string;
  payment?: 'invoice' | 'immediate';
}

export interface PurchaseResult {
  replayed: boolean;
  grant: CreditGrantView;
  packageId: string;
  price: string;
  currency: string;
  payment: 'invoice' | 'immediate';
  invoiceItemId: string | null;
  paymentId: string | null;
  /** Outbox rows to dispatch after commit (credits.granted, payment.succeeded); not part of the API answer. */
  webhookEventIds: string[];
}

export class PaymentFailedError extends Error {
  readonly code = 'PAYMENT_FAILED';
  constructor(
    readonly providerCode: string,
    message: string,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;

export async function purchaseCreditPackage(
  db: Db,
  organizationId: string,
  input: PurchaseInput,
  deps: { provider?: PaymentProvider | undefined; now?: Date } = {},
): Promise<PurchaseResult> {
  const payment = input.payment ?? 'invoice';
  const grantKey = `purchase:${input.idempotencyKey}`;
  const chargeKey = `credit-purchase:${input.entityId}:${input.idempotencyKey}`;

  const entity = await db.entity.findFirst({ where: { id: input.entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  // A retired (deleted) package is still found here: a purchase made before it was retired must replay, not 404.
  const pkg = await db.creditPackage.findFirst({ where: { id: input.packageId, organizationId } });
  if (!pkg) throw new ResourceNotFoundError('credit package');

  const existingResult = async (): Promise<PurchaseResult | null> => {
    const grant = await db.creditGrant.findUnique({
      where: { entityId_idempotencyKey: { entityId: entity.id, idempotencyKey: grantKey } },
    });
    if (!grant) return null;
    const [item, pay] = await Promise.all([
      db.invoiceItem.findUnique({ where: { idempotencyKey: `purchase:${grant.id}` } }),
      db.payment.findUnique({ where: { idempotencyKey: chargeKey } }),
    ]);
    const storedMode = item ? 'invoice' : 'immediate';
    if (grant.packageId !== pkg.id || storedMode !== payment) {
      throw new ResourceConflictError('IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used for another purchase');
    }
    return {
      replayed: true,
      grant: creditGrantView(grant),
      packageId: pkg.id,
      price: Money.of((item?.amount ?? pay?.amount ?? pkg.price).toString(), grant.currency).toString(),
      currency: grant.currency,
      payment: storedMode,
      invoiceItemId: item?.id ?? null,
      paymentId: pay?.id ?? null,
      webhookEventIds: await undispatchedWebhookEvents(db, [
        `credits.granted:${grant.id}`,
        ...(pay ? [`payment.succeeded:${pay.id}`] : []),
      ]),
    };
  };

  const replay = await existingResult();
  if (replay) return replay;
  if (pkg.deletedAt) throw new ResourceNotFoundError('credit package');
  if (!pkg.active) throw new UnprocessableError('PACKAGE_INACTIVE', 'the credit package is not for sale', 'packageId');
  if (pkg.currency !== entity.currency) {
    throw new UnprocessableError(
      'CURRENCY_MISMATCH',
      `the package is priced in ${pkg.currency}, the entity bills in ${entity.currency}`,
      'packageId',
    );
  }

  const price = Money.of(pkg.price.toString(), pkg.currency);
  let charge: { providerRef: string; provider: string; paymentMethod: string } | null = null;
  if (payment === 'immediate') {
    if (!deps.provider)
      throw new UnprocessableError('PAYMENT_UNAVAILABLE', 'no payment provider is configured', 'payment');
    const target = await chargeTarget(db, deps.provider, entity);
    const paymentMethod = target.paymentMethod;
    if (!paymentMethod)
      throw new PaymentFailedError('payment_method_missing', 'The entity has no default payment method.');
    const result = await deps.provider.charge({
      idempotencyKey: chargeKey,
      amount: price.round().toString(),
      currency: price.currency,
      paymentMethod,
      customerRef: target.customerRef,
      attempt: 1,
      description: `Credit package ${pkg.name}`,
      metadata: { purpose: 'credit_purchase', organizationId, entityId: entity.id, packageId: pkg.id },
    });
    if (result.status === 'failed') throw new PaymentFailedError(result.errorCode, result.errorMessage);
    // Credits are granted only for money taken: a charge still processing (not a card payment) is refused.
    if (result.status === 'processing') {
      throw new PaymentFailedError(
        'payment_processing',
        'The payment is still processing; pay on the invoice instead.',
      );
    }
    charge = { providerRef: result.providerRef, provider: deps.provider.name, paymentMethod };
  }

  // An entity on a test clock buys at the clock's time (its validity runs from there).
  const now = deps.now ?? (await entityClockNow(db, entity.testClockId)) ?? new Date();
  try {
    return await db.$transaction(
      async (tx) => {
        const locked = await lockCreditEntity(tx, organizationId, entity.id);
        if (!locked) throw new ResourceNotFoundError('entity');
        const { grant } = await issueCreditGrant(tx, {
          entityId: entity.id,
          source: 'purchase',
          amount: pkg.credits.toString(),
          currency: pkg.currency,
          expiresAt: new Date(now.getTime() + pkg.validityDays * DAY_MS),
          priority: 0,
          idempotencyKey: grantKey,
          packageId: pkg.id,
          description: `Purchase of ${pkg.name}`,
        });
        const webhookEventIds = [await recordCreditsGranted(tx, organizationId, grant, now)];
        let invoiceItemId: string | null = null;
        let paymentId: string | null = null;
        if (charge) {
          const row = await tx.payment.create({
            data: {
              entityId: entity.id,
              amount: price.round().toString(),
              currency: price.currency,
              status: 'succeeded',
              provider: charge.provider,
              providerRef: charge.providerRef,
              paymentMethod: charge.paymentMethod,
              attemptCount: 1,
              idempotencyKey: chargeKey,
              succeededAt: now,
            },
          });
          paymentId = row.id;
          webhookEventIds.push(
            await recordPaymentEvent(tx, 'payment.succeeded', row, {
              organizationId,
              attempt: 1,
              errorCode: null,
              at: now,
            }),
          );
        } else {
          const item = await tx.invoiceItem.create({
            data: {
              entityId: entity.id,
              kind: 'credit_purchase',
              description: `Credit package ${pkg.name} (${Money.of(pkg.credits.toString(), pkg.currency).toString()} credits)`,
              quantity: '1',
              unitAmount: price.toString(),
              amount: price.toString(),
              currency: price.currency,
              idempotencyKey: `purchase:${grant.id}`,
              metadata: { grantId: grant.id, packageId: pkg.id },
            },
          });
          invoiceItemId = item.id;
        }
        return {
          replayed: false,
          grant: creditGrantView(grant),
          packageId: pkg.id,
          price: price.toString(),
          currency: price.currency,
          payment,
          invoiceItemId,
          paymentId,
          webhookEventIds,
        };
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
  } catch (error) {
    // A concurrent purchase with the same key committed first: answer with it.
    if ((error as { code?: string }).code === 'P2002') {
      const again = await existingResult();
      if (again) return again;
    }
    throw error;
  }
}
