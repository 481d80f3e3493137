// Finalizes a draft invoice written by closeBillingPeriod (or a one-off invoice of a charge_now subscription change): gives it the organization's next invoice number and makes
// it open (or paid at once when nothing is due), writes its invoice.finalized outbox row and, for a negative total,
// the credit carried forward to the next invoice. Idempotent: an invoice that already has its number is returned as
// it is (with its outbox row while that is undispatched, so a retried close still dispatches it).
//
// Why a transaction of its own, in READ COMMITTED: numbers are gap-free per organization, so they come from
// Organization.nextInvoiceNumber under its row lock, which every close of the organization takes. Inside the close's
// REPEATABLE READ transaction that lock failed with a serialization error (40001) whenever another close of the same
// organization had committed since the close's snapshot was taken, which, with hundreds of entities closing at once,
// was nearly always: each failure cost a retry of the whole close after Temporal's backoff. Here the UPDATE waits for
// the lock and then works on the newest row, and the lock is held only for this short transaction (one statement
// that numbers the invoice, the outbox row, COMMIT), not for the composition of the invoice.
import { Money } from '../../domain/index.js';
import { moneyText } from '../../domain/money.js';
import type { Db } from '../db.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { invoiceIdentity } from './invoicePayload.js';

export interface FinalizedInvoice {
  invoiceId: string;
  invoiceNumber: number | null;
  /** 'none' when the draft was voided before it was numbered. */
  status: 'open' | 'paid' | 'none';
  total: string;
  amountDue: string;
  /** Undispatched outbox rows to dispatch after commit. */
  webhookEventIds: string[];
}

interface InvoiceRow {
  id: string;
  organizationId: string;
  entityId: string;
  number: number | null;
  status: string;
  kind: 'period' | 'one_off';
  currency: string;
  total: string;
  amountDue: string;
  periodStart: Date;
  periodEnd: Date;
  issuedAt: Date;
}

export async function finalizeInvoice(db: Db, invoiceId: string): Promise<FinalizedInvoice> {
  return db.$transaction(
    async (tx) => {
      // The invoice's own lock first: two finalizations of one invoice (a retried activity) run one after the other,
      // and the second finds the number the first gave.
      const [inv] = await tx.$queryRaw<InvoiceRow[]>`
        SELECT id, "organizationId", "entityId", number, status::text AS status, kind::text AS kind, currency,
               total::text AS total,
               "amountDue"::text AS "amountDue", "periodStart", "periodEnd", "issuedAt"
        FROM "Invoice" WHERE id = ${invoiceId}::uuid FOR UPDATE`;
      if (!inv) throw new Error(`invoice ${invoiceId} not found`);
      // Amounts as the composition wrote them (at least the currency's minor unit digits), not NUMERIC's six.
      const total = Money.of(inv.total, inv.currency);
      const amountDue = Money.of(inv.amountDue, inv.currency);
      const outcome = (number: number | null, status: FinalizedInvoice['status'], webhookEventIds: string[]) => ({
        invoiceId: inv.id,
        invoiceNumber: number,
        status,
        total: total.toString(),
        amountDue: amountDue.toString(),
        webhookEventIds,
      });
      if (inv.number !== null || inv.status !== 'draft') {
        const pending = await tx.webhookEvent.findMany({
          where: { idempotencyKey: `invoice.finalized:${inv.id}`, dispatchedAt: null },
          select: { id: true },
        });
        const status = inv.status === 'paid' ? 'paid' : inv.status === 'void' ? 'none' : 'open';
        return outcome(
          inv.number,
          status,
          pending.map((e) => e.id),
        );
      }

      const paid = amountDue.isZero();
      // Number and status in one statement: the organization's row lock is taken here and held to COMMIT.
      const [numbered] = await tx.$queryRaw<Array<{ number: number }>>`
        WITH n AS (
          UPDATE "Organization" SET "nextInvoiceNumber" = "nextInvoiceNumber" + 1, "updatedAt" = now()
          WHERE id = ${inv.organizationId}::uuid RETURNING "nextInvoiceNumber" - 1 AS number)
        UPDATE "Invoice" i SET number = n.number, status = ${paid ? 'paid' : 'open'}::"InvoiceStatus",
               "paidAt" = ${paid ? inv.issuedAt : null}, "updatedAt" = now()
        FROM n WHERE i.id = ${inv.id}::uuid RETURNING i.number`;
      const number = numbered!.number;
      if (total.isNegative()) {
        await tx.invoiceItem.create({
          data: {
            entityId: inv.entityId,
            kind: 'adjustment',
            description: `Credit carried forward from invoice ${number}`,
            amount: total.toString(),
            currency: inv.currency,
            idempotencyKey: `carry:${inv.id}`,
          },
        });
      }
      const eventId = await recordWebhookEvent(tx, {
        organizationId: inv.organizationId,
        entityId: inv.entityId,
        type: 'invoice.finalized',
        idempotencyKey: `invoice.finalized:${inv.id}`,
        payload: {
          ...invoiceIdentity({ ...inv, number }),
          kind: inv.kind,
          total: moneyText(total, inv.currency),
          amountDue: moneyText(amountDue, inv.currency),
          periodStart: inv.periodStart.toISOString(),
          periodEnd: inv.periodEnd.toISOString(),
        },
      });
      return outcome(number, paid ? 'paid' : 'open', [eventId]);
    },
    { isolationLevel: 'ReadCommitted', maxWait: 10_000, timeout: 30_000 },
  );
}
