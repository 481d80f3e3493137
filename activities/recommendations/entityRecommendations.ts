// The facts domain/recommendations.ts needs for one entity, read from what billing already records: live seat
// subscriptions and the seats assigned now, the usage billed beyond credits in the last closed period, the active
// credit packages, each member's spend against their limit this period, the grants in draw order and the burn rate.
import { type Recommendation, type RecommendationFacts, recommendations } from '../../domain/recommendations.js';
import { creditBurnRate } from '../analytics/creditBurnRate.js';
import { usageReport } from '../analytics/usageAnalytics.js';
import { listUserSpend } from '../analytics/userSpend.js';
import { listCreditPackages } from '../credits/creditPackageCatalog.js';
import { entityBalance } from '../credits/entityBalance.js';
import type { Db } from '../db.js';
import { periodAt } from '../invoicing/billingPeriodRows.js';
import { ResourceNotFoundError } from '../resourceErrors.js';
import { listSubscriptions } from '../subscriptions/subscriptionRecords.js';

/** How many days of consumption the burn rate averages. */
export const BURN_WINDOW_DAYS = 30;

export interface EntityRecommendations {
  entityId: string;
  currency: string;
  asOf: string;
  recommendations: Recommendation[];
}

export async function gatherRecommendationFacts(
  db: Db,
  organizationId: string,
  entityId: string,
  now = new Date(),
): Promise<RecommendationFacts> {
  const entity = await db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  const current = await periodAt(db, entity, now);
  const previous = await periodAt(db, entity, new Date(current.start.getTime() - 1));
  const [subs, seatsAssigned, lastPeriod, packages, spend, balance, burn] = await Promise.all([
    listSubscriptions(db, organizationId, { limit: 100 }, { entityId }),
    db.entityUser.count({ where: { entityId, seatAssigned: true, deletedAt: null } }),
    usageReport(db, organizationId, { entityId, groupBy: 'eventType', from: previous.start, to: previous.end }, now),
    listCreditPackages(db, organizationId, { active: true }, { limit: 100 }),
    listUserSpend(db, organizationId, entityId, now),
    entityBalance(db, organizationId, entityId, now),
    creditBurnRate(db, organizationId, { entityId, windowDays: BURN_WINDOW_DAYS }, now),
  ]);
  const profiles = await db.organizationUser.findMany({
    where: { organizationId, userId: { in: spend.map((s) => s.userId) } },
    select: { userId: true, name: true },
  });
  const nameOf = new Map(profiles.map((p) => [p.userId, p.name]));
  return {
    currency: entity.currency,
    now,
    seats: subs.items
      .filter((s) => s.status !== 'canceled')
      .map((s) => ({
        subscriptionId: s.id,
        planName: s.planName,
        seatsPurchased: s.seats,
        seatsUsed: [seatsAssigned],
        seatPrice: s.pricePerSeat,
      })),
    overageBilled: lastPeriod.totals.billedLater,
    packages: packages.items,
    members: spend.map((s) => ({
      userId: s.userId,
      name: nameOf.get(s.userId) ?? null,
      spent: s.spent,
      creditLimit: s.creditLimit,
    })),
    grants: balance.grants.map((g) => ({
      id: g.id,
      remaining: g.remaining,
      expiresAt: g.expiresAt ? new Date(g.expiresAt) : null,
    })),
    burnRatePerDay: burn.burnRatePerDay,
  };
}

export async function entityRecommendations(
  db: Db,
  organizationId: string,
  entityId: string,
  now = new Date(),
): Promise<EntityRecommendations> {
  const facts = await gatherRecommendationFacts(db, organizationId, entityId, now);
  return { entityId, currency: facts.currency, asOf: now.toISOString(), recommendations: recommendations(facts) };
}
