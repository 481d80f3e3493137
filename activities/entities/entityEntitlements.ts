// What a marketplace's permission system needs about one entity, in one read: its status, its live subscriptions
// (plan, status, seats), its usable credits and each member's limit, spend and what remains in the current billing
// period. Read from the rows the webhooks are written with, in one REPEATABLE READ snapshot, so it is consistent with
// itself and with every webhook already delivered: after a subscription.paused, this read shows the pause.
// The version is a hash of the answer: the same state gives the same ETag, any change another.
import { createHash } from 'node:crypto';
import { BillingDecimal, type Decimal, Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { periodAt } from '../invoicing/billingPeriodRows.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface EntitlementSubscription {
  id: string;
  planId: string;
  planName: string;
  interval: 'month' | 'year';
  status: 'active' | 'paused' | 'past_due';
  seats: number;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  cancelAtPeriodEnd: boolean;
  pausedAt: string | null;
  resumeAt: string | null;
}

export interface EntitlementMember {
  userId: string;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  seatAssigned: boolean;
  /** Per billing period; null: no limit. */
  creditLimit: string | null;
  spent: string;
  /** null when there is no limit. */
  remaining: string | null;
  limitReached: boolean;
}

export interface Entitlements {
  entityId: string;
  status: 'active' | 'suspended';
  suspendedAt: string | null;
  currency: string;
  overagePolicy: 'reject' | 'bill';
  period: { start: string; end: string };
  /** Subscriptions not canceled, oldest first. */
  subscriptions: EntitlementSubscription[];
  seats: { purchased: number; assigned: number };
  /** Usable (unexpired) credits per currency. */
  credits: Array<{ currency: string; remaining: string }>;
  members: EntitlementMember[];
}

/** The entity's entitlements at `now` and their version (a strong ETag: quoted hash of the answer). */
export async function entityEntitlements(
  db: Db,
  organizationId: string,
  entityId: string,
  now: Date = new Date(),
): Promise<{ entitlements: Entitlements; etag: string }> {
  const entitlements = await db.$transaction(
    async (tx) => {
      const entity = await tx.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
      if (!entity) throw new ResourceNotFoundError('entity');
      const period = await periodAt(tx, entity, now);
      const [subscriptions, grants, members] = await Promise.all([
        tx.entitySubscription.findMany({
          where: { entityId, status: { not: 'canceled' } },
          include: { plan: true },
          orderBy: { id: 'asc' },
        }),
        tx.creditGrant.findMany({
          where: { entityId, remaining: { gt: 0 }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
          select: { remaining: true, currency: true },
        }),
        tx.entityUser.findMany({
          where: { entityId, deletedAt: null },
          include: { spends: { where: { periodStart: period.start } } },
          orderBy: { id: 'asc' },
        }),
      ]);
      const credits = new Map<string, Decimal>();
      for (const g of grants) {
        credits.set(g.currency, (credits.get(g.currency) ?? new BillingDecimal(0)).plus(g.remaining.toString()));
      }
      if (credits.size === 0) credits.set(entity.currency, new BillingDecimal(0));
      return {
        entityId: entity.id,
        status: entity.status,
        suspendedAt: entity.suspendedAt?.toISOString() ?? null,
        currency: entity.currency,
        overagePolicy: entity.overagePolicy,
        period: { start: period.start.toISOString(), end: period.end.toISOString() },
        subscriptions: subscriptions.map((s) => ({
          id: s.id,
          planId: s.planId,
          planName: s.plan.name,
          interval: s.plan.interval,
          status: s.status as EntitlementSubscription['status'],
          seats: s.seats,
          currentPeriodStart: s.currentPeriodStart.toISOString(),
          currentPeriodEnd: s.currentPeriodEnd.toISOString(),
          cancelAtPeriodEnd: s.cancelAtPeriodEnd,
          pausedAt: s.pausedAt?.toISOString() ?? null,
          resumeAt: s.resumeAt?.toISOString() ?? null,
        })),
        seats: {
          // Seats a paused subscription holds are not in use until it resumes.
          purchased: subscriptions.filter((s) => s.status !== 'paused').reduce((n, s) => n + s.seats, 0),
          assigned: members.filter((m) => m.seatAssigned).length,
        },
        credits: [...credits.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, remaining]) => ({ currency, remaining: Money.of(remaining, currency).toString() })),
        members: members.map((m) => {
          const spend = m.spends[0];
          const spent = Money.of(spend?.amount.toString() ?? '0', entity.currency);
          const limit = m.creditLimit === null ? null : Money.of(m.creditLimit.toString(), entity.currency);
          const remaining = limit === null ? null : Money.max(limit.subtract(spent), Money.zero(entity.currency));
          return {
            userId: m.userId,
            role: m.role,
            seatAssigned: m.seatAssigned,
            creditLimit: limit?.toString() ?? null,
            spent: spent.toString(),
            remaining: remaining?.toString() ?? null,
            limitReached: spend?.limitReachedAt != null,
          };
        }),
      };
    },
    { isolationLevel: 'RepeatableRead' },
  );
  const etag = `"${createHash('sha256').update(JSON.stringify(entitlements)).digest('base64url').slice(0, 27)}"`;
  return { entitlements, etag };
}
