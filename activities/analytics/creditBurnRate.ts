// How fast an entity burns its prepaid credits and when they run out at that pace.
//   burnRatePerDay = credits consumed by events in the last `windowDays` days / windowDays   (6 decimals, half-even)
//   projectedDepletionAt = now + balance / burnRatePerDay                                     (null when nothing burns)
// The balance is what is usable now; grants that expire before the projected date make depletion come earlier,
// which `expiringBeforeDepletion` reports so an alert can say so.
import type { Decimal } from 'decimal.js';
import { AMOUNT_SCALE, BillingDecimal, Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface CreditBurnReport {
  entityId: string;
  currency: string;
  windowDays: number;
  consumed: string;
  burnRatePerDay: string;
  balance: string;
  projectedDepletionAt: string | null;
  daysUntilDepletion: string | null;
  expiringBeforeDepletion: string;
  asOf: string;
}

const DAY_MS = 86_400_000;

export async function creditBurnRate(
  db: Db,
  organizationId: string,
  q: { entityId: string; windowDays: number },
  now = new Date(),
): Promise<CreditBurnReport> {
  const entity = await db.entity.findFirst({ where: { id: q.entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  const since = new Date(now.getTime() - q.windowDays * DAY_MS);
  const [row] = await db.$queryRawUnsafe<Array<{ consumed: string | null; balance: string | null }>>(
    `SELECT (SELECT (-sum(amount))::text FROM "LedgerEntry"
              WHERE "entityId" = $1::uuid AND kind = 'consume' AND "createdAt" >= $2 AND "createdAt" < $3) AS consumed,
            (SELECT sum(remaining)::text FROM "CreditGrant"
              WHERE "entityId" = $1::uuid AND remaining > 0 AND ("expiresAt" IS NULL OR "expiresAt" > $3)) AS balance`,
    entity.id,
    since,
    now,
  );
  const consumed = new BillingDecimal(row?.consumed ?? '0');
  const balance = new BillingDecimal(row?.balance ?? '0');
  const rate = consumed.div(q.windowDays).toDecimalPlaces(AMOUNT_SCALE, BillingDecimal.ROUND_HALF_EVEN);
  let depletion: Date | null = null;
  let days: string | null = null;
  if (rate.greaterThan(0)) {
    const d = balance.div(rate);
    days = d.toDecimalPlaces(2, BillingDecimal.ROUND_HALF_EVEN).toFixed(2);
    depletion = new Date(now.getTime() + Math.round(d.times(DAY_MS).toNumber()));
  }
  let expiring = new BillingDecimal(0);
  if (depletion) {
    const [e] = await db.$queryRawUnsafe<Array<{ total: string | null }>>(
      `SELECT sum(remaining)::text AS total FROM "CreditGrant"
        WHERE "entityId" = $1::uuid AND remaining > 0 AND "expiresAt" > $2 AND "expiresAt" < $3`,
      entity.id,
      now,
      depletion,
    );
    expiring = new BillingDecimal(e?.total ?? '0');
  }
  const m = (d: Decimal) => Money.of(d, entity.currency).toString();
  return {
    entityId: entity.id,
    currency: entity.currency,
    windowDays: q.windowDays,
    consumed: m(consumed),
    burnRatePerDay: m(rate),
    balance: m(balance),
    projectedDepletionAt: depletion?.toISOString() ?? null,
    daysUntilDepletion: days,
    expiringBeforeDepletion: m(expiring),
    asOf: now.toISOString(),
  };
}
