// Test data for metering, credits and analytics: a tenant (createTenant) with a price book, members with optional
// credit limits and teams, and credit grants issued through the real activity (so the ledger invariant holds).
import { randomUUID } from 'node:crypto';
import { grantPromotionalCredits } from '../../activities/credits/grantPromotionalCredits.js';
import type { Db } from '../../activities/db.js';
import type { Tier } from '../../domain/tieredPricing.js';
import { bearer, createTenant, type TestTenant } from './factories.js';

export interface PriceSpec {
  eventType: string;
  model?: 'flat' | 'graduated' | 'volume';
  unitPrice?: string;
  tiers?: Tier[];
  currency?: string;
}

export interface MeteringTenant extends TestTenant {
  userIds: string[];
  teamId: string;
}

export async function createMeteringTenant(
  db: Db,
  opts: {
    currency?: string;
    overagePolicy?: 'reject' | 'bill';
    lowBalanceThreshold?: string;
    prices?: PriceSpec[];
    members?: number;
    creditLimit?: string | null;
    timeZone?: string;
  } = {},
): Promise<MeteringTenant> {
  const tenant = await createTenant(db, { currency: opts.currency ?? 'USD', timeZone: opts.timeZone ?? 'UTC' });
  await db.entity.update({
    where: { id: tenant.entityId },
    data: { overagePolicy: opts.overagePolicy ?? 'reject', lowBalanceThreshold: opts.lowBalanceThreshold ?? '0' },
  });
  await addPrices(
    db,
    tenant.organizationId,
    null,
    opts.prices ?? [{ eventType: 'project.posted', unitPrice: '2.50' }],
    opts.currency,
  );
  const team = await db.team.create({ data: { entityId: tenant.entityId, name: `Team ${randomUUID().slice(0, 6)}` } });
  const userIds: string[] = [];
  for (let i = 0; i < (opts.members ?? 1); i += 1) {
    const user = await db.user.create({
      data: {
        profiles: {
          create: { organizationId: tenant.organizationId, email: `${randomUUID()}@test.example`, name: `User ${i}` },
        },
      },
    });
    await db.entityUser.create({
      data: { entityId: tenant.entityId, userId: user.id, teamId: team.id, creditLimit: opts.creditLimit ?? null },
    });
    userIds.push(user.id);
  }
  return { ...tenant, userIds, teamId: team.id };
}

export async function addPrices(
  db: Db,
  organizationId: string,
  entityId: string | null,
  prices: PriceSpec[],
  currency = 'USD',
): Promise<void> {
  await db.priceBook.create({
    data: {
      organizationId,
      entityId,
      name: `Prices ${randomUUID().slice(0, 6)}`,
      currency,
      prices: {
        create: prices.map((p) => ({
          eventType: p.eventType,
          model: p.model ?? 'flat',
          currency: p.currency ?? currency,
          unitPrice: p.model === undefined || p.model === 'flat' ? (p.unitPrice ?? '1') : null,
          tiers: p.tiers ? (p.tiers as unknown as object) : undefined,
        })),
      },
    },
  });
}

/** A second entity in the same organization, with the given users as members. */
export async function addEntity(
  db: Db,
  organizationId: string,
  opts: { currency?: string; userIds?: string[]; creditLimit?: string | null; overagePolicy?: 'reject' | 'bill' } = {},
): Promise<string> {
  const entity = await db.entity.create({
    data: {
      organizationId,
      name: `Entity ${randomUUID().slice(0, 6)}`,
      currency: opts.currency ?? 'USD',
      overagePolicy: opts.overagePolicy ?? 'reject',
    },
  });
  for (const userId of opts.userIds ?? []) {
    await db.entityUser.create({ data: { entityId: entity.id, userId, creditLimit: opts.creditLimit ?? null } });
  }
  return entity.id;
}

export async function grantCredits(
  db: Db,
  organizationId: string,
  entityId: string,
  amount: string,
  opts: { expiresAt?: Date | null; priority?: number } = {},
): Promise<string> {
  const { grant } = await grantPromotionalCredits(db, organizationId, {
    entityId,
    amount,
    expiresAt: opts.expiresAt === undefined || opts.expiresAt === null ? null : opts.expiresAt.toISOString(),
    priority: opts.priority ?? 0,
    idempotencyKey: randomUUID(),
  });
  return grant.id;
}

export const jsonHeaders = (key: string) => ({ ...bearer(key), 'Content-Type': 'application/json' });

/** An event's outcome as the API answers it (single event, or one entry of a batch's `results`). */
export interface EventAnswer {
  status: string;
  replayed: boolean;
  eventId: string;
  code: string | null;
  ratedAmount: string;
  creditsDrawn: string;
  draws: Array<{ grantId: string; amount: string }>;
  billedLater: string;
  balanceAfter: string;
  currency: string;
}

/** POSTs `body` as JSON to the events endpoint (or `path`) with `key`; the response and its parsed body. */
export async function postEvents(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  key: string,
  body: unknown,
  path = '/api/billing/events',
) {
  const res = await app.request(path, { method: 'POST', headers: jsonHeaders(key), body: JSON.stringify(body) });
  return { res, body: (await res.json()) as EventAnswer & { code: string } & Record<string, unknown> };
}

export function eventBody(
  tenant: { entityId: string; userIds: string[] },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    entityId: tenant.entityId,
    userId: tenant.userIds[0],
    eventType: 'project.posted',
    quantity: 1,
    occurredAt: new Date().toISOString(),
    idempotencyKey: randomUUID(),
    properties: {},
    ...overrides,
  };
}

/** Ledger invariant of every grant of an entity: sum(entries) = remaining >= 0. Returns the offending grants. */
export async function ledgerInvariantViolations(db: Db, entityId: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT g.id::text AS id FROM "CreditGrant" g
       LEFT JOIN "LedgerEntry" l ON l."grantId" = g.id
      WHERE g."entityId" = $1::uuid
      GROUP BY g.id, g.remaining
     HAVING coalesce(sum(l.amount), 0) <> g.remaining OR g.remaining < 0`,
    entityId,
  );
  return rows.map((r) => r.id);
}
