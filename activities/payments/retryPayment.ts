// A retry of an invoice's collection asked for through the API (the customer fixed their card, authenticated, or
// chose another method). Checked here, under the invoice's and the entity's locks, before the API signals the
// invoice's collection workflow (retryPayment), which charges at once:
//   - the invoice must be open (409 INVOICE_NOT_PAYABLE otherwise: paid, void, draft, uncollectible);
//   - no attempt may be running (409 PAYMENT_IN_PROGRESS): one being charged (pending) or decided later by the
//     provider (processing). Another charge while one runs could take the money twice.
//   - another method, if given, must be attached to the invoice's entity (422 UNKNOWN_PAYMENT_METHOD).
import type { Db } from '../db.js';
import { ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';
import { collectionPaymentKey, lockInvoiceRow } from './invoiceSettlement.js';
import { paymentMethodToken } from './paymentMethods.js';

export interface RetryTarget {
  invoiceId: string;
  organizationId: string;
  entityId: string;
  /** The provider token to charge instead of the default; undefined: the entity's default. */
  paymentMethod: string | undefined;
  dunningDays: number[];
}

export async function prepareRetry(
  db: Db,
  organizationId: string,
  invoiceId: string,
  paymentMethodId?: string,
): Promise<RetryTarget> {
  return db.$transaction(async (tx) => {
    const invoice = await lockInvoiceRow(tx, invoiceId, organizationId);
    if (!invoice?.entityId) throw new ResourceNotFoundError('invoice');
    if (invoice.status !== 'open') {
      throw new ResourceConflictError('INVOICE_NOT_PAYABLE', `A ${invoice.status} invoice is not collected`);
    }
    const running = await tx.paymentAttempt.count({
      where: {
        payment: { idempotencyKey: collectionPaymentKey(invoiceId) },
        status: { in: ['pending', 'processing'] },
      },
    });
    if (running > 0) {
      throw new ResourceConflictError(
        'PAYMENT_IN_PROGRESS',
        'A charge attempt of this invoice is still running; retry once it has an outcome',
      );
    }
    const paymentMethod = paymentMethodId
      ? await paymentMethodToken(db, organizationId, invoice.entityId, paymentMethodId)
      : undefined;
    const org = await tx.organization.findUniqueOrThrow({
      where: { id: organizationId },
      select: { dunningDays: true },
    });
    return { invoiceId, organizationId, entityId: invoice.entityId, paymentMethod, dunningDays: org.dunningDays };
  });
}
