// Daily spend of an entity's accepted events over the last `days` days (days in the entity's time zone), split by
// event type or by user: the series behind the usage trend chart. Every day of the range is present, empty or not.
import { Money } from '../../domain/money.js';
import { addDays, type LocalDate, toLocalDate } from '../../domain/zonedTime.js';
import type { Db } from '../db.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface UsageTrend {
  entityId: string;
  currency: string;
  by: 'eventType' | 'user';
  days: string[];
  series: Array<{ key: string; label: string; amounts: string[]; total: string }>;
}

const isoDay = (d: LocalDate) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

const KEY = { eventType: 'e."eventType"', user: 'e."userId"::text' } as const;

export async function usageTrend(
  db: Db,
  organizationId: string,
  q: { entityId: string; by: 'eventType' | 'user'; days: number },
  now = new Date(),
): Promise<UsageTrend> {
  const entity = await db.entity.findFirst({ where: { id: q.entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  const today = toLocalDate(now, entity.timeZone);
  const days = Array.from({ length: q.days }, (_, i) => isoDay(addDays(today, i - q.days + 1)));
  const since = new Date(now.getTime() - (q.days + 1) * 86_400_000);
  const rows = await db.$queryRawUnsafe<Array<{ day: string; key: string; rated: string }>>(
    `SELECT to_char(e."occurredAt" AT TIME ZONE $3, 'YYYY-MM-DD') AS day, ${KEY[q.by]} AS key,
            sum(e."ratedAmount")::text AS rated
       FROM "MarketplaceEvent" e
      WHERE e."entityId" = $1::uuid AND e.status = 'accepted' AND e."occurredAt" >= $2
      GROUP BY 1, 2`,
    entity.id,
    since,
    entity.timeZone,
  );
  const index = new Map(days.map((d, i) => [d, i]));
  const byKey = new Map<string, Money[]>();
  for (const r of rows) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    const amounts = byKey.get(r.key) ?? days.map(() => Money.zero(entity.currency));
    amounts[i] = (amounts[i] as Money).add(Money.of(r.rated, entity.currency));
    byKey.set(r.key, amounts);
  }
  const labels =
    q.by === 'user'
      ? new Map(
          (
            await db.organizationUser.findMany({
              where: { organizationId, userId: { in: [...byKey.keys()] } },
              select: { userId: true, name: true },
            })
          ).map((u) => [u.userId, u.name]),
        )
      : new Map<string, string>();
  const series = [...byKey.entries()]
    .map(([key, amounts]) => ({
      key,
      label: labels.get(key) ?? key,
      amounts: amounts.map((a) => a.toString()),
      total: Money.sum(amounts, entity.currency),
    }))
    .sort((a, b) => b.total.compare(a.total) || a.key.localeCompare(b.key))
    .map((s) => ({ ...s, total: s.total.toString() }));
  return { entityId: entity.id, currency: entity.currency, by: q.by, days, series };
}
