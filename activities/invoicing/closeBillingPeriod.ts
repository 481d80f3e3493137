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
// The transaction writes the invoice as a draft; finalizeInvoice.ts then numbers it in a short transaction of its own
// (Organization.nextInvoiceNumber under its row lock: sequential, gap-free; see there why not in this transaction),
// marks it open, or paid at once when amountDue = max(total, 0) is zero, writes invoice.finalized and carries a
// negative total forward as a pending adjustment item. A retried close whose first attempt committed the draft but
// not the number finishes the numbering. A period with nothing to bill closes without an invoice.
import { composeInvoice, type InvoiceLineInput, Money } from '../../domain/index.js';
import type { Db, Prisma } from '../db.js';
import { lockSubscription, renewIfDue } from '../subscriptions/subscriptionPeriods.js';
import { finalizeInvoice } from './finalizeInvoice.js';

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
      const closed = await writeDraft(input);
      if (!closed.invoiceId) return closed;
      return { ...closed, ...(await finalizeInvoice(db, closed.invoiceId)) };
    },
  };

  /** The close itself: the period closed and its invoice composed, as a draft without a number. */
  function writeDraft(input: CloseBillingPeriodInput): Promise<ClosedPeriod> {
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
          // A retry after a crash between commit and completion: finalizeInvoice hands back the invoice as it is
          // (numbering it first if the crash came before that) and its outbox row while undispatched.
          return existingResult(period, currency);
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
            unitAmount: item.unitAmount === null ? null : Money.of(item.unitAmount.toString(), currency),
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
        const itemMetadata = new Map(items.map((i) => [i.id, i.metadata]));
        const invoice = await tx.invoice.create({
          data: {
            organizationId: entity.organizationId,
            entityId: entity.id,
            number: null,
            status: 'draft',
            currency,
            periodStart: period.periodStart,
            periodEnd: period.periodEnd,
            subtotal: composed.subtotal.toString(),
            creditsApplied: composed.creditsApplied.toString(),
            total: composed.total.toString(),
            amountDue: composed.amountDue.toString(),
            issuedAt: at,
            dueAt: at,
            lines: {
              create: composed.lines.map((line) => ({
                position: line.position,
                kind: line.kind,
                description: line.description,
                quantity: line.quantity ?? '1',
                unitAmount: line.unitAmount?.toString() ?? null,
                amount: line.amount.toString(),
                periodStart: line.periodStart ?? null,
                periodEnd: line.periodEnd ?? null,
                metadata: {
                  ...((itemMetadata.get(line.reference ?? '') as Prisma.JsonObject | null | undefined) ?? {}),
                  reference: line.reference ?? null,
                  unroundedAmount: line.unroundedAmount.toString(),
                },
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
        await tx.billingPeriod.update({
          where: { id: period.id },
          data: { status: 'closed', closedAt: at, invoiceId: invoice.id },
        });
        return {
          billingPeriodId: period.id,
          entityId: entity.id,
          organizationId: entity.organizationId,
          invoiceId: invoice.id,
          invoiceNumber: null,
          status: 'open' as const,
          total: composed.total.toString(),
          amountDue: composed.amountDue.toString(),
          currency,
          webhookEventIds: [],
        };
      },
      // maxWait: waiting for a pooled connection (Prisma's default gives up after 2 s) is cheaper than a retry.
      { isolationLevel: 'RepeatableRead', maxWait: 10_000, timeout: 30_000 },
    );
  }
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
