// An organization's revenue across its entities' currencies, in its reporting currency (Organization.
// reportingCurrency): the invoices issued in [from, to) (open, paid or uncollectible; drafts and voided ones are not
// revenue), summed exactly per currency, then each currency's sums converted once at the rate in force at the range's
// last instant (to - 1 ms, `to` being exclusive; now, if the range ends later), rounded half-even to the reporting
// currency's minor unit (domain/currencyConversion.ts). Every figure carries the rate it was converted at and the stored rates behind it;
// the totals are the sums of the converted figures. A currency without a rate is 422 NO_EXCHANGE_RATE, never left out.
import { type AppliedRateJSON, appliedRateToJSON, convert } from '../../domain/currencyConversion.js';
import { Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { loadRateInForce } from '../exchangeRates/rateInForce.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface RevenueByCurrency {
  currency: string;
  invoices: number;
  entities: number;
  /** Sum of the invoices' totals, in `currency`. */
  invoiced: string;
  /** Sum of what was paid on them, in `currency`. */
  paid: string;
  /** The same two figures in the reporting currency. */
  invoicedReported: string;
  paidReported: string;
  exchangeRate: AppliedRateJSON;
}

export interface RevenueReport {
  reportingCurrency: string;
  from: string;
  to: string;
  /** The instant whose rates converted the figures. */
  ratesAt: string;
  byCurrency: RevenueByCurrency[];
  totals: { invoiced: string; paid: string };
}

interface Sums {
  currency: string;
  invoices: number;
  entities: number;
  invoiced: { toString(): string };
  paid: { toString(): string };
}

export async function revenueReport(
  db: Db,
  organizationId: string,
  range: { from: Date; to: Date },
  now = new Date(),
): Promise<RevenueReport> {
  const organization = await db.organization.findFirst({ where: { id: organizationId, deletedAt: null } });
  if (!organization) throw new ResourceNotFoundError('organization');
  const reporting = organization.reportingCurrency;
  const last = new Date(range.to.getTime() - 1);
  const ratesAt = last.getTime() < now.getTime() ? last : now;
  const sums = await db.$queryRaw<Sums[]>`
    SELECT currency, count(*)::int AS invoices, count(DISTINCT "entityId")::int AS entities,
           coalesce(sum(total), 0) AS invoiced, coalesce(sum("amountPaid"), 0) AS paid
      FROM "Invoice"
     WHERE "organizationId" = ${organizationId}::uuid AND status IN ('open', 'paid', 'uncollectible')
       AND "issuedAt" >= ${range.from} AND "issuedAt" < ${range.to}
     GROUP BY currency ORDER BY currency`;

  let invoicedTotal = Money.zero(reporting);
  let paidTotal = Money.zero(reporting);
  const byCurrency: RevenueByCurrency[] = [];
  for (const s of sums) {
    const applied = await loadRateInForce(db, organizationId, s.currency, reporting, ratesAt);
    const invoiced = Money.of(s.invoiced.toString(), s.currency);
    const paid = Money.of(s.paid.toString(), s.currency);
    const invoicedReported = convert(invoiced, applied);
    const paidReported = convert(paid, applied);
    invoicedTotal = invoicedTotal.add(invoicedReported);
    paidTotal = paidTotal.add(paidReported);
    byCurrency.push({
      currency: s.currency,
      invoices: s.invoices,
      entities: s.entities,
      invoiced: invoiced.toString(),
      paid: paid.toString(),
      invoicedReported: invoicedReported.toString(),
      paidReported: paidReported.toString(),
      exchangeRate: appliedRateToJSON(applied),
    });
  }
  return {
    reportingCurrency: reporting,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    ratesAt: ratesAt.toISOString(),
    byCurrency,
    totals: { invoiced: invoicedTotal.toString(), paid: paidTotal.toString() },
  };
}
