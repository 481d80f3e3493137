// The usage lines of a period's invoice: the accepted events the invoice bills (those whose billedPeriodStart is the
// period's start), one line per (period the events belong to, event type, price). Events of the period itself come
// first; late events (their own period was closed when they arrived) follow on "Late usage, <their period>" lines,
// never one line per event. A line shows the unit price when every event on it was rated at the same unit price (a
// flat price; tiered prices vary per event and show none). A group whose amount is negative (volume tiers: late
// events can lower their period's total) is an adjustment line, since a usage line is never negative.
import { describePeriod, type InvoiceLineInput, Money } from '../../domain/index.js';
import type { Prisma } from '../db.js';

interface UsageGroupRow {
  periodStart: Date;
  periodEnd: Date | null;
  eventType: string;
  priceId: string | null;
  events: number;
  quantity: string;
  rated: string;
  credits: string;
  minUnit: string | null;
  maxUnit: string | null;
}

export interface UsageLines {
  /** unitAmount: the unit price when uniform across the line's events (a flat price), else null. */
  lines: InvoiceLineInput[];
  /** Prepaid credits the billed events drew (the invoice's credits-applied line). */
  creditsDrawn: Money;
}

export async function usageLines(
  tx: Prisma.TransactionClient,
  input: {
    entityId: string;
    timeZone: string;
    currency: string;
    period: { periodStart: Date; periodEnd: Date };
  },
): Promise<UsageLines> {
  const { currency, period } = input;
  const groups = await tx.$queryRaw<UsageGroupRow[]>`
    SELECT e."periodStart", b."periodEnd", e."eventType", e."priceId"::text AS "priceId", count(*)::int AS events,
           sum(e.quantity)::text AS quantity, sum(e."ratedAmount")::text AS rated,
           sum(e."creditsDrawn")::text AS credits,
           min(e."ratedAmount" / e.quantity)::text AS "minUnit", max(e."ratedAmount" / e.quantity)::text AS "maxUnit"
    FROM "MarketplaceEvent" e
    LEFT JOIN "BillingPeriod" b ON b."entityId" = e."entityId" AND b."periodStart" = e."periodStart"
    WHERE e."entityId" = ${input.entityId}::uuid AND e."billedPeriodStart" = ${period.periodStart}
      AND e.status = 'accepted'
    GROUP BY e."periodStart", b."periodEnd", e."eventType", e."priceId"
    ORDER BY e."periodStart" DESC, e."eventType", e."priceId"`;
  // The period's own events first (the most recent period), then late ones from the most recent period back.

  const typesWithSeveralPrices = new Set<string>();
  const seen = new Map<string, number>();
  for (const g of groups) {
    const key = `${g.periodStart.getTime()}:${g.eventType}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if ((seen.get(key) ?? 0) > 1) typesWithSeveralPrices.add(key);
  }

  const lines: InvoiceLineInput[] = [];
  let credits = Money.zero(currency);
  for (const g of groups) {
    const own = g.periodStart.getTime() === period.periodStart.getTime();
    const amount = Money.of(g.rated, currency);
    const unit = g.minUnit !== null && g.minUnit === g.maxUnit ? Money.of(g.minUnit, currency) : null;
    const several = typesWithSeveralPrices.has(`${g.periodStart.getTime()}:${g.eventType}`);
    const what = `${g.eventType} (${g.events} ${g.events === 1 ? 'event' : 'events'}${several && unit ? ` at ${unit.toString()}` : ''})`;
    const span = own ? period : { periodStart: g.periodStart, periodEnd: g.periodEnd ?? period.periodStart };
    const lateLabel = own
      ? ''
      : `Late usage, ${describePeriod({ start: span.periodStart, end: span.periodEnd }, input.timeZone)}: `;
    const reference = own
      ? `usage:${g.eventType}${several ? `:${g.priceId}` : ''}`
      : `late-usage:${g.periodStart.toISOString()}:${g.eventType}:${g.priceId}`;
    lines.push({
      kind: amount.isNegative() ? 'adjustment' : 'usage',
      description: amount.isNegative() ? `${lateLabel}${what}, volume tier adjustment` : `${lateLabel}${what}`,
      amount,
      quantity: Money.of(g.quantity, currency).amount.toString(),
      unitAmount: unit && !amount.isNegative() ? unit : null,
      ...span,
      reference,
    });
    credits = credits.add(Money.of(g.credits, currency));
  }
  return { lines, creditsDrawn: credits };
}
