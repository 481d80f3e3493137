// An invoice's informational total in its organization's reporting currency: the invoice itself stays in the
// entity's currency (what is owed and collected); this is the total converted at the rate in force when the invoice
// was issued (domain/currencyConversion.ts, one half-even rounding to the reporting currency's minor unit), with the
// rate it used. None for a draft (not issued), for an invoice already in the reporting currency, or when the
// organization holds no rate for that instant: it is information, so its absence never fails the read.
import { type AppliedRateJSON, appliedRateToJSON, convert } from '../../domain/currencyConversion.js';
import { Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { loadRateInForce } from '../exchangeRates/rateInForce.js';
import { UnprocessableError } from '../resourceErrors.js';

export interface ReportingTotal {
  amount: string;
  currency: string;
  ratesAt: string;
  exchangeRate: AppliedRateJSON;
}

export async function invoiceReportingTotal(
  db: Db,
  organizationId: string,
  invoice: { currency: string; total: { toString(): string }; issuedAt: Date | null },
): Promise<ReportingTotal | null> {
  if (!invoice.issuedAt) return null;
  const organization = await db.organization.findFirst({
    where: { id: organizationId },
    select: { reportingCurrency: true },
  });
  if (!organization || organization.reportingCurrency === invoice.currency) return null;
  try {
    const applied = await loadRateInForce(
      db,
      organizationId,
      invoice.currency,
      organization.reportingCurrency,
      invoice.issuedAt,
    );
    return {
      amount: convert(Money.of(invoice.total.toString(), invoice.currency), applied).toString(),
      currency: organization.reportingCurrency,
      ratesAt: invoice.issuedAt.toISOString(),
      exchangeRate: appliedRateToJSON(applied),
    };
  } catch (err) {
    if (err instanceof UnprocessableError && err.code === 'NO_EXCHANGE_RATE') return null;
    throw err;
  }
}
