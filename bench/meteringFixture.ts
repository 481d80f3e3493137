// The benchmarks' tenant: what bench/metering.ts (over HTTP) and bench/meteringInProcess.ts meter against.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { generateApiKey, hashApiKey } from '../activities/apiKeys.js';
import { createDb } from '../activities/db.js';

/** Creates the database named in `url` if it does not exist. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '')}"`);
  await client.end();
}

export interface MeteringFixture {
  organizationId: string;
  apiKey: string;
  members: Array<{ entityId: string; userId: string }>;
}

/**
 * A fresh organization: `entities` entities with one member each, a flat price (0.01 USD per project.posted), one
 * large promotional grant per entity and a per-user limit never reached, so every event is accepted.
 */
export async function seedMeteringFixture(databaseUrl: string, entities: number): Promise<MeteringFixture> {
  const db = createDb(databaseUrl, 4);
  const suffix = randomUUID().slice(0, 8);
  const org = await db.organization.create({
    data: { name: `Bench ${suffix}`, billingEmail: `bench-${suffix}@x.test` },
  });
  await db.priceBook.create({
    data: {
      organizationId: org.id,
      name: 'Bench prices',
      currency: 'USD',
      prices: { create: [{ eventType: 'project.posted', model: 'flat', currency: 'USD', unitPrice: '0.01' }] },
    },
  });
  const members: MeteringFixture['members'] = [];
  for (let i = 0; i < entities; i += 1) {
    const entity = await db.entity.create({
      data: { organizationId: org.id, name: `Bench entity ${i}`, currency: 'USD', lowBalanceThreshold: '100' },
    });
    const user = await db.user.create({ data: { email: `bench-${suffix}-${i}@x.test`, name: `Bench user ${i}` } });
    await db.entityUser.create({ data: { entityId: entity.id, userId: user.id, creditLimit: '100000000' } });
    const grant = await db.creditGrant.create({
      data: {
        entityId: entity.id,
        source: 'promo',
        original: '100000000',
        remaining: '100000000',
        currency: 'USD',
        idempotencyKey: `bench:${entity.id}`,
      },
    });
    await db.ledgerEntry.create({
      data: {
        entityId: entity.id,
        grantId: grant.id,
        kind: 'grant',
        amount: '100000000',
        currency: 'USD',
        idempotencyKey: `grant:${grant.id}`,
      },
    });
    members.push({ entityId: entity.id, userId: user.id });
  }
  const apiKey = generateApiKey();
  await db.apiKey.create({
    data: {
      organizationId: org.id,
      name: 'bench',
      prefix: apiKey.slice(0, 9),
      hash: hashApiKey(apiKey),
      scopes: ['ingest'],
    },
  });
  await db.$disconnect();
  return { organizationId: org.id, apiKey, members };
}

/** One billable event of a fixture member, as the marketplace would send it: new key, now, 0.01 USD. */
export function benchEvent(member: MeteringFixture['members'][number]) {
  return {
    entityId: member.entityId,
    userId: member.userId,
    eventType: 'project.posted',
    quantity: 1,
    occurredAt: new Date().toISOString(),
    idempotencyKey: randomUUID(),
    properties: { projectId: randomUUID(), category: 'design' },
  };
}
