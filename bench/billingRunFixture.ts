// The data of a billing-run benchmark or test: one organization with N entities, seeded in a handful of set-based
// SQL statements (10,000 entities in seconds, where one Prisma create per row would take minutes), plus the usage
// events to send through the real metering API so every invoice has real lines.
//
// Everything is a function of the entity's ordinal i (1..N), so two runs seeded with the same N must produce the same
// invoice for entity i whatever the number of workers and API processes, and the expected total is known up front:
//   project.posted    quantity (i mod 7) + 1 at 1.25 USD (flat)
//   freelancer.hired  quantity (i mod 3) at 4.50 USD (flat), no event when 0
//   even i            a 5.00 USD promotional grant, drawn first (a credits_applied line); the rest is billed later
//   every entity      overagePolicy 'bill', so usage beyond credits is accepted and billed on the invoice
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type pg from 'pg';
import { generateApiKey, hashApiKey } from '../activities/apiKeys.js';

export interface BillingRunEvent {
  entityId: string;
  userId: string;
  eventType: string;
  quantity: number;
  occurredAt: string;
  idempotencyKey: string;
  properties: Record<string, unknown>;
}

export interface BillingRunFixture {
  organizationId: string;
  apiKey: string;
  /** entityIds[i - 1] is the entity with ordinal i. */
  entityIds: string[];
  ordinalOf: Map<string, number>;
  events: BillingRunEvent[];
  /** The invoice total every entity must get, by ordinal (index i - 1), as a 2-decimal string. */
  expectedTotals: string[];
}

const PROJECT_PRICE = new Decimal('1.25');
const HIRE_PRICE = new Decimal('4.50');
const PROMO = new Decimal('5.00');

const projectQuantity = (i: number) => (i % 7) + 1;
const hireQuantity = (i: number) => i % 3;

export function expectedTotal(i: number): string {
  const usage = PROJECT_PRICE.mul(projectQuantity(i)).add(HIRE_PRICE.mul(hireQuantity(i)));
  const credits = i % 2 === 0 ? Decimal.min(usage, PROMO) : new Decimal(0);
  return usage.sub(credits).toFixed(2);
}

export async function seedBillingRun(client: pg.ClientBase, entities: number): Promise<BillingRunFixture> {
  const suffix = randomUUID().slice(0, 8);
  const apiKey = generateApiKey();
  await client.query('BEGIN');
  try {
    const org = await client.query<{ id: string }>(
      `INSERT INTO "Organization" (id, name, "billingEmail", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, now()) RETURNING id`,
      [`Billing run ${suffix}`, `billing-run-${suffix}@bench.test`],
    );
    const organizationId = org.rows[0]!.id;
    await client.query(
      `WITH book AS (
         INSERT INTO "PriceBook" (id, "organizationId", name, currency, "updatedAt")
         VALUES (gen_random_uuid(), $1, 'Billing run prices', 'USD', now()) RETURNING id)
       INSERT INTO "EventPrice" (id, "organizationId", "priceBookId", "eventType", model, currency, "unitPrice",
         "updatedAt")
       SELECT gen_random_uuid(), $1, book.id, p.type, 'flat', 'USD', p.price, now()
       FROM book, (VALUES ('project.posted', $2::numeric), ('freelancer.hired', $3::numeric)) AS p(type, price)`,
      [organizationId, PROJECT_PRICE.toString(), HIRE_PRICE.toString()],
    );
    // Entities, one user each and the membership, by ordinal; ids come back in ordinal order.
    const rows = await client.query<{ ordinal: number; entityId: string; userId: string }>(
      `WITH ordinals AS (SELECT i, gen_random_uuid() AS entity_id, gen_random_uuid() AS user_id
                         FROM generate_series(1, $2::int) AS i),
       ent AS (INSERT INTO "Entity" (id, "organizationId", name, currency, "overagePolicy", "updatedAt")
               SELECT entity_id, $1, 'Billing run entity ' || i, 'USD', 'bill', now() FROM ordinals),
       usr AS (INSERT INTO "User" (id, email, name, "updatedAt")
               SELECT user_id, 'run-' || $3 || '-' || i || '@bench.test', 'Run user ' || i, now() FROM ordinals),
       mem AS (INSERT INTO "EntityUser" (id, "organizationId", "entityId", "userId", "updatedAt")
               SELECT gen_random_uuid(), $1, entity_id, user_id, now() FROM ordinals)
       SELECT i AS ordinal, entity_id AS "entityId", user_id AS "userId" FROM ordinals ORDER BY i`,
      [organizationId, entities, suffix],
    );
    // Promotional grants for even ordinals, each with its creating ledger entry (the invariant checker's grant_origin).
    await client.query(
      `WITH g AS (
         INSERT INTO "CreditGrant" (id, "entityId", source, original, remaining, currency, "idempotencyKey", "updatedAt")
         SELECT gen_random_uuid(), e, 'promo', $2::numeric, $2::numeric, 'USD', 'bench-promo:' || e, now()
         FROM unnest($1::uuid[]) AS e RETURNING id, "entityId")
       INSERT INTO "LedgerEntry" (id, "entityId", "grantId", kind, amount, currency, "idempotencyKey")
       SELECT gen_random_uuid(), g."entityId", g.id, 'grant', $2::numeric, 'USD', 'grant:' || g.id FROM g`,
      [rows.rows.filter((r) => r.ordinal % 2 === 0).map((r) => r.entityId), PROMO.toString()],
    );
    await client.query(
      `INSERT INTO "ApiKey" (id, "organizationId", name, prefix, hash, scopes, "updatedAt")
       VALUES (gen_random_uuid(), $1, 'billing run', $2, $3, ARRAY['admin', 'ingest', 'read'], now())`,
      [organizationId, apiKey.slice(0, 9), hashApiKey(apiKey)],
    );
    await client.query('COMMIT');

    const occurredAt = new Date().toISOString();
    const events: BillingRunEvent[] = [];
    for (const { ordinal: i, entityId, userId } of rows.rows) {
      const event = (eventType: string, quantity: number) => ({
        entityId,
        userId,
        eventType,
        quantity,
        occurredAt,
        idempotencyKey: `${eventType}:${i}`,
        properties: { ordinal: i },
      });
      events.push(event('project.posted', projectQuantity(i)));
      if (hireQuantity(i) > 0) events.push(event('freelancer.hired', hireQuantity(i)));
    }
    const entityIds = rows.rows.map((r) => r.entityId);
    return {
      organizationId,
      apiKey,
      entityIds,
      ordinalOf: new Map(entityIds.map((id, k) => [id, k + 1])),
      events,
      expectedTotals: entityIds.map((_, k) => expectedTotal(k + 1)),
    };
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
