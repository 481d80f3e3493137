// The refund activities workflows run: carrying out the refunds a change wrote (a downgrade's credit refunded in cash).
// A refund whose provider call times out stays pending for the reconciliation schedule (same key), so a slow provider
// never holds up the subscription change that caused it.
import type { Db } from '../db.js';
import { type PaymentProvider, PaymentProviderTimeoutError } from '../payments/paymentProvider.js';
import { tenantDbOf } from '../tenantDb.js';
import { executeRefund } from './executeRefund.js';

/** Each refund runs as its organization (tenantDb.ts). */
export function createRefundActivities(db: Db, provider: PaymentProvider) {
  return {
    async executeRefunds(input: { refundIds: string[] }): Promise<{ webhookEventIds: string[] }> {
      const ids: string[] = [];
      for (const refundId of input.refundIds) {
        try {
          ids.push(
            ...(await executeRefund(await tenantDbOf(db, 'refund', refundId), provider, refundId)).webhookEventIds,
          );
        } catch (err) {
          if (!(err instanceof PaymentProviderTimeoutError)) throw err;
        }
      }
      return { webhookEventIds: ids };
    },
  };
}
