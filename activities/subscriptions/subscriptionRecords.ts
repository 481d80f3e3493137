// Reads of subscriptions for the API, scoped by organization: list, one, seat utilization.
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { type SubscriptionSnapshot, toSnapshot } from './subscriptionSnapshot.js';

export async function listSubscriptions(
  db: Db,
  organizationId: string,
  page: PageRequest,
  filter: { entityId?: string | undefined } = {},
) {
  const args = pageArgs(page);
  const rows = await db.entitySubscription.findMany({
    ...args,
    where: {
      ...args.where,
      entity: { organizationId, deletedAt: null },
      ...(filter.entityId ? { entityId: filter.entityId } : {}),
    },
    include: { plan: true, entity: true },
  });
  const p = toPage(rows, page);
  return { items: p.items.map(toSnapshot), hasMore: p.hasMore };
}

export async function findSubscription(
  db: Db,
  organizationId: string,
  subscriptionId: string,
): Promise<SubscriptionSnapshot | null> {
  const row = await db.entitySubscription.findFirst({
    where: { id: subscriptionId, entity: { organizationId, deletedAt: null } },
    include: { plan: true, entity: true },
  });
  return row ? toSnapshot(row) : null;
}

export interface SeatUtilization {
  subscriptionId: string;
  entityId: string;
  seatsPurchased: number;
  seatsAssigned: number;
  seatsAvailable: number;
  /** assigned / purchased, 0..1 (can exceed 1 when more members hold seats than were bought). */
  utilization: number;
}

/** Seats bought (all live subscriptions of the entity share its members) vs members with a seat assigned. */
export async function subscriptionUtilization(
  db: Db,
  organizationId: string,
  subscriptionId: string,
): Promise<SeatUtilization | null> {
  const sub = await findSubscription(db, organizationId, subscriptionId);
  if (!sub) return null;
  const assigned = await db.entityUser.count({
    where: { entityId: sub.entityId, seatAssigned: true, deletedAt: null },
  });
  const seats = sub.status === 'canceled' ? 0 : sub.seats;
  return {
    subscriptionId: sub.id,
    entityId: sub.entityId,
    seatsPurchased: seats,
    seatsAssigned: assigned,
    seatsAvailable: Math.max(seats - assigned, 0),
    utilization: seats === 0 ? 0 : Math.round((assigned / seats) * 10_000) / 10_000,
  };
}
