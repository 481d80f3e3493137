// Closes one billing period into exactly one consolidated invoice. Idempotent: the BillingPeriod row is locked and,
// once closed, a retried or re-executed close returns the invoice it made (Invoice is also unique per entity and
// period start). Everything happens in one REPEATABLE READ transaction, so the usage read, the pending items
// attached to the invoice and the invoice itself come from one snapshot: an event committed after that snapshot
// is not on this invoice, and its pending item stays for the next one.
//
// Composition (domain/invoiceComposition.ts rounds each line half-even to the minor unit and sums them):
//   subscription_fee  pending fee items: each subscription period's fee, in advance, written when the period begins
//                     (the close first rolls every subscription over to the close instant, see subscriptionPeriods.ts)
//   proration         pending proration items of subscription changes (charges and credits)
//   usage             one line per event type: the rated amount of the accepted events rated in this period
//                     (quantity = sum of their quantities), in arrears; plus any pending usage item of an event from an
//                     earlier, already closed period (a late event's billed-later shortfall)
//   credit_purchase,
//   adjustment        pending items as they are (e.g. the credit carried forward from a negative invoice)
//   credits_applied   -(sum of creditsDrawn of the period's events): prepaid credits that paid for usage, so
//                     usage - credits applied = the billed-later shortfall, which is what is due for usage.
// The metering path's billed-later usage items of this period's events are attached to the invoice (invoiceId) but
// are not separate lines: their amounts are already inside the usage line.
// Numbers come from Organization.nextInvoiceNumber under a row lock in the same transaction: sequential, gap-free.
// amountDue = max(total, 0); a zero amount is marked paid at once; a negative total becomes a pending adjustment
// item (credit carried forward) for the next invoice. A period with nothing to bill closes without an invoice.
import { composeInvoice, type InvoiceLineInput, Money } from '../../domain/index.js';
import type { Db, Prisma } from '../db.js';
import { lockSubscription, renewIfDue } from '../subscriptions/subscriptionPeriods.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

export interface CloseBillingPeriodInput {
  billingPeriodId: string;
  /** The close instant (ISO): the period's end, or earlier for a manual close. */
  at: string;
}

export interface ClosedPeriod {
  billingPeriodId: string;
  entityId: string;
  organizationId: string;
  invoiceId: string | null;
  invoiceNumber: number | null;
  status: 'open' | 'paid' | 'none';
  total: string;
  amountDue: string;
  currency: string;
  /** Outbox rows to dispatch after commit. */
  webhookEventIds: string[];
}

interface UsageRow {
  eventType: string;
  events: number;
  quantity: string;
  rated: string;
  credits: string;
}

export function createCloseBillingPeriodActivities(db: Db) {
  return {
    async closeBillingPeriod(input: CloseBillingPeriodInput): Promise<ClosedPeriod> {
      const at = new Date(input.at);
      return db.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT id FROM "BillingPeriod" WHERE id = ${input.billingPeriodId}::uuid FOR UPDATE`;
          const period = await tx.billingPeriod.findUniqueOrThrow({
            where: { id: input.billingPeriodId },
            include: { entity: true, invoice: true },
          });
          const { entity } = period;
          const currency = entity.currency;
          if (period.status === 'closed') {
            // A retry after a crash between commit and completion: hand back the invoice's outbox row too while it is
            // undispatched, so the workflow still dispatches it (dispatch is idempotent).
            const pending = period.invoice
              ? await tx.webhookEvent.findMany({
                  where: { idempotencyKey: `invoice.finalized:${period.invoice.id}`, dispatchedAt: null },
                  select: { id: true },
                })
              : [];
            return { ...existingResult(period, currency), webhookEventIds: pending.map((e) => e.id) };
          }

          // Roll every subscription over to the close instant (fees of periods begun, cancel at period end).
          const subs = await tx.entitySubscription.findMany({
            where: { entityId: entity.id, status: { not: 'canceled' } },
            select: { id: true },
            orderBy: { id: 'asc' },
          });
          for (const { id } of subs) {
            const locked = await lockSubscription(tx, id);
            if (locked) await renewIfDue(tx, locked, at);
          }

          const items = await tx.invoiceItem.findMany({
            where: { entityId: entity.id, invoiceId: null },
            include: { event: { select: { periodStart: true, status: true } } },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          });
          const usage = await tx.$queryRaw<UsageRow[]>`
            SELECT "eventType", count(*)::int AS events, sum(quantity)::text AS quantity,
                   sum("ratedAmount")::text AS rated, sum("creditsDrawn")::text AS credits
            FROM "MarketplaceEvent"
            WHERE "entityId" = ${entity.id}::uuid AND "periodStart" = ${period.periodStart} AND status = 'accepted'
            GROUP BY "eventType" ORDER BY "eventType"`;

          const lines: InvoiceLineInput[] = [];
          const periodSpan = { periodStart: period.periodStart, periodEnd: period.periodEnd };
          for (const item of items) {
            const inUsageLine =
              item.kind === 'usage' &&
              item.event !== null &&
              item.event.periodStart.getTime() === period.periodStart.getTime();
            if (inUsageLine) continue;
            lines.push({
              kind: item.kind,
              description: item.description,
              amount: Money.of(item.amount.toString(), currency),
              quantity: item.quantity.toString(),
              periodStart: item.periodStart,
              periodEnd: item.periodEnd,
              reference: item.id,
            });
          }
          let credits = Money.zero(currency);
          for (const row of usage) {
            lines.push({
              kind: 'usage',
              description: `${row.eventType} (${Number(row.events)} events)`,
              amount: Money.of(row.rated, currency),
              quantity: Money.of(row.quantity, currency).amount.toString(),
              ...periodSpan,
              reference: `usage:${row.eventType}`,
            });
            credits = credits.add(Money.of(row.credits, currency));
          }
          if (credits.isPositive()) {
            lines.push({
              kind: 'credits_applied',
              description: 'Prepaid credits applied to usage',
              amount: credits.negate(),
              ...periodSpan,
              reference: 'credits_applied',
            });
          }

          if (lines.length === 0) {
            await tx.billingPeriod.update({
              where: { id: period.id },
              data: { status: 'closed', closedAt: at },
            });
            return {
              billingPeriodId: period.id,
              entityId: entity.id,
              organizationId: entity.organizationId,
              invoiceId: null,
              invoiceNumber: null,
              status: 'none' as const,
              total: '0',
              amountDue: '0',
              currency,
              webhookEventIds: [],
            };
          }

          const composed = composeInvoice(currency, lines);
          const [org] = await tx.$queryRaw<Array<{ nextInvoiceNumber: number }>>`
            SELECT "nextInvoiceNumber" FROM "Organization" WHERE id = ${entity.organizationId}::uuid FOR UPDATE`;
          const number = org!.nextInvoiceNumber;
          await tx.organization.update({
            where: { id: entity.organizationId },
            data: { nextInvoiceNumber: number + 1 },
          });
          const paid = composed.amountDue.isZero();
          const invoice = await tx.invoice.create({
            data: {
              organizationId: entity.organizationId,
              entityId: entity.id,
              number,
              status: paid ? 'paid' : 'open',
              currency,
              periodStart: period.periodStart,
              periodEnd: period.periodEnd,
              subtotal: composed.subtotal.toString(),
              creditsApplied: composed.creditsApplied.toString(),
              total: composed.total.toString(),
              amountDue: composed.amountDue.toString(),
              issuedAt: at,
              dueAt: at,
              paidAt: paid ? at : null,
              lines: {
                create: composed.lines.map((line) => ({
                  position: line.position,
                  kind: line.kind,
                  description: line.description,
                  quantity: line.quantity ?? '1',
                  amount: line.amount.toString(),
                  periodStart: line.periodStart ?? null,
                  periodEnd: line.periodEnd ?? null,
                  metadata: { reference: line.reference ?? null, unroundedAmount: line.unroundedAmount.toString() },
                })),
              },
            },
          });
          if (items.length > 0) {
            await tx.invoiceItem.updateMany({
              where: { id: { in: items.map((i) => i.id) }, invoiceId: null },
              data: { invoiceId: invoice.id },
            });
          }
          if (composed.creditCarryForward.isPositive()) {
            await tx.invoiceItem.create({
              data: {
                entityId: entity.id,
                kind: 'adjustment',
                description: `Credit carried forward from invoice ${number}`,
                amount: composed.creditCarryForward.negate().toString(),
                currency,
                idempotencyKey: `carry:${invoice.id}`,
              },
            });
          }
          await tx.billingPeriod.update({
            where: { id: period.id },
            data: { status: 'closed', closedAt: at, invoiceId: invoice.id },
          });
          const eventId = await recordWebhookEvent(tx, {
            organizationId: entity.organizationId,
            entityId: entity.id,
            type: 'invoice.finalized',
            idempotencyKey: `invoice.finalized:${invoice.id}`,
            payload: {
              invoiceId: invoice.id,
              entityId: entity.id,
              number,
              total: composed.total.toString(),
              amountDue: composed.amountDue.toString(),
              currency,
              periodStart: period.periodStart.toISOString(),
              periodEnd: period.periodEnd.toISOString(),
            },
          });
          return {
            billingPeriodId: period.id,
            entityId: entity.id,
            organizationId: entity.organizationId,
            invoiceId: invoice.id,
            invoiceNumber: number,
            status: paid ? ('paid' as const) : ('open' as const),
            total: composed.total.toString(),
            amountDue: composed.amountDue.toString(),
            currency,
            webhookEventIds: [eventId],
          };
        },
        { isolationLevel: 'RepeatableRead', timeout: 30_000 },
      );
    },
  };
}

function existingResult(
  period: {
    id: string;
    entityId: string;
    entity: { organizationId: string };
    invoice: {
      id: string;
      number: number | null;
      status: string;
      total: Prisma.Decimal;
      amountDue: Prisma.Decimal;
    } | null;
  },
  currency: string,
): ClosedPeriod {
  const inv = period.invoice;
  return {
    billingPeriodId: period.id,
    entityId: period.entityId,
    organizationId: period.entity.organizationId,
    invoiceId: inv?.id ?? null,
    invoiceNumber: inv?.number ?? null,
    status: inv ? (inv.status === 'paid' ? 'paid' : 'open') : 'none',
    total: inv?.total.toString() ?? '0',
    amountDue: inv?.amountDue.toString() ?? '0',
    currency,
    webhookEventIds: [],
  };
}
