// The exchange rates an organization holds: posted one by one through the API or many at once from a file
// (scripts/import-exchange-rates.ts, rateFiles.ts), listed, never fetched at run time. One rate per pair and instant:
// posting the same rate again changes nothing (a replay), another rate for a pair and instant already held is 409
// EXCHANGE_RATE_CONFLICT (a rate in force may have been used already: correct it with a later effectiveAt).
// Validation is the domain's (domain/currencyConversion.ts): known currencies, two different ones, a positive rate.
import { type ExchangeRate, validateExchangeRate } from '../../domain/currencyConversion.js';
import { isBillingDomainError } from '../../domain/errors.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { uuidv7 } from '../metering/uuidv7.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';

type Tx = Prisma.TransactionClient;

export interface NewExchangeRate {
  base: string;
  quote: string;
  rate: string;
  effectiveAt: string;
  source: string;
}

export interface ExchangeRateView {
  id: string;
  base: string;
  quote: string;
  rate: string;
  source: string;
  effectiveAt: string;
  createdAt: string;
}

interface Row {
  id: string;
  base: string;
  quote: string;
  rate: { toString(): string };
  source: string;
  effectiveAt: Date;
  createdAt: Date;
}

export function exchangeRateView(r: Row): ExchangeRateView {
  return {
    id: r.id,
    base: r.base,
    quote: r.quote,
    rate: r.rate.toString(),
    source: r.source,
    effectiveAt: r.effectiveAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
  };
}

/** The domain's rate as validated, or 422 with the domain's code (INVALID_EXCHANGE_RATE, UNKNOWN_CURRENCY). */
export function checkExchangeRate(input: NewExchangeRate): ExchangeRate {
  try {
    return validateExchangeRate({
      base: input.base,
      quote: input.quote,
      rate: input.rate,
      effectiveAt: new Date(input.effectiveAt),
      source: input.source,
    });
  } catch (err) {
    if (isBillingDomainError(err)) {
      const path = err.code === 'UNKNOWN_CURRENCY' ? (err.details.currency === input.base ? 'base' : 'quote') : 'rate';
      throw new UnprocessableError(err.code, err.message, path);
    }
    throw err;
  }
}

/** Rows per INSERT: a historical ECB file holds some 200,000 rates. */
const CHUNK = 5_000;

/**
 * Inserts the rates (already checked) in the caller's transaction, a chunk per statement; those already held with
 * the same rate are left alone. Returns the rows created and how many were already held. A held pair and instant
 * with another rate (or one file giving two rates for it) throws 409 EXCHANGE_RATE_CONFLICT, so the caller's
 * transaction writes nothing.
 */
export async function insertExchangeRates(tx: Tx, organizationId: string, rates: readonly ExchangeRate[]) {
  const created: Row[] = [];
  for (let i = 0; i < rates.length; i += CHUNK) {
    const chunk = rates.slice(i, i + CHUNK);
    const ids = chunk.map(() => uuidv7());
    const bases = chunk.map((r) => r.base);
    const quotes = chunk.map((r) => r.quote);
    const values = chunk.map((r) => r.rate);
    const sources = chunk.map((r) => r.source);
    const times = chunk.map((r) => r.effectiveAt.toISOString());
    // ON CONFLICT DO NOTHING, then compare with what holds each key: concurrent posts of one rate both succeed, once.
    created.push(
      ...(await tx.$queryRaw<Row[]>`
        INSERT INTO "ExchangeRate" (id, "organizationId", base, quote, rate, source, "effectiveAt")
        SELECT t.id::uuid, ${organizationId}::uuid, t.b, t.q, t.r::numeric, t.s, t.e::timestamptz
          FROM unnest(${ids}::text[], ${bases}::text[], ${quotes}::text[], ${values}::text[], ${sources}::text[],
                      ${times}::text[]) AS t(id, b, q, r, s, e)
        ON CONFLICT ("organizationId", base, quote, "effectiveAt") DO NOTHING
        RETURNING id, base, quote, rate, source, "effectiveAt", "createdAt"`),
    );
    const differing = await tx.$queryRaw<Array<Row & { wanted: string }>>`
      SELECT x.id, x.base, x.quote, x.rate, x.source, x."effectiveAt", x."createdAt", t.r AS wanted
        FROM unnest(${bases}::text[], ${quotes}::text[], ${values}::text[], ${times}::text[]) AS t(b, q, r, e)
        JOIN "ExchangeRate" x
          ON x."organizationId" = ${organizationId}::uuid AND x.base = t.b AND x.quote = t.q
         AND x."effectiveAt" = t.e::timestamptz
       WHERE x.rate <> t.r::numeric
       LIMIT 1`;
    const held = differing[0];
    if (held) {
      throw new ResourceConflictError(
        'EXCHANGE_RATE_CONFLICT',
        `A ${held.base}/${held.quote} rate effective at ${held.effectiveAt.toISOString()} is held as ` +
          `${held.rate.toString()} (source ${held.source}), not ${held.wanted}: post a correction with a later effectiveAt`,
      );
    }
  }
  return { created, alreadyHeld: rates.length - created.length };
}

/** The held row of a pair and instant (after insertExchangeRates found it there). */
async function heldRate(tx: Tx, organizationId: string, rate: ExchangeRate) {
  return tx.exchangeRate.findUniqueOrThrow({
    where: {
      organizationId_base_quote_effectiveAt: {
        organizationId,
        base: rate.base,
        quote: rate.quote,
        effectiveAt: rate.effectiveAt,
      },
    },
  });
}

/** Posts one rate: 201 with the new row, or the held row (created: false) when the same rate is already held. */
export async function postExchangeRate(db: Db, actor: Actor, organizationId: string, input: NewExchangeRate) {
  const rate = checkExchangeRate(input);
  return db.$transaction(async (tx) => {
    const { created } = await insertExchangeRates(tx, organizationId, [rate]);
    const row = created[0];
    if (!row) return { rate: exchangeRateView(await heldRate(tx, organizationId, rate)), created: false };
    await recordAudit(tx, actor, {
      organizationId,
      action: 'exchange_rate.create',
      targetType: 'exchange_rate',
      targetId: row.id,
      after: exchangeRateView(row),
    });
    return { rate: exchangeRateView(row), created: true };
  });
}

/** Imports many rates in one transaction (all or nothing) with one audit row naming the file. */
export async function importExchangeRates(
  db: Db,
  actor: Actor,
  organizationId: string,
  rates: readonly NewExchangeRate[],
  fileName: string,
) {
  const checked = rates.map((r, i) => {
    try {
      return checkExchangeRate(r);
    } catch (err) {
      if (err instanceof UnprocessableError)
        throw new UnprocessableError(err.code, `rate ${i + 1}: ${err.message}`, err.path);
      throw err;
    }
  });
  return db.$transaction(
    async (tx) => {
      const organization = await tx.organization.findFirst({ where: { id: organizationId, deletedAt: null } });
      if (!organization) throw new ResourceNotFoundError('organization');
      const { created, alreadyHeld } = await insertExchangeRates(tx, organizationId, checked);
      await recordAudit(tx, actor, {
        organizationId,
        action: 'exchange_rate.import',
        targetType: 'exchange_rate_file',
        targetId: fileName,
        after: { file: fileName, created: created.length, alreadyHeld },
      });
      return { created: created.length, alreadyHeld };
    },
    { timeout: 60_000 },
  );
}

export async function listExchangeRates(
  db: Db,
  organizationId: string,
  filter: { base?: string | undefined; quote?: string | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.exchangeRate.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.base ? { base: filter.base } : {},
        filter.quote ? { quote: filter.quote } : {},
      ],
    },
  });
  return toPage(rows.map(exchangeRateView), page);
}
