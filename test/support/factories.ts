// Test data built through Prisma: each call makes a fresh organization so test files never share tenants.
import { randomUUID } from 'node:crypto';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../../activities/apiKeys.js';
import type { Db } from '../../activities/db.js';

export interface TestTenant {
  organizationId: string;
  entityId: string;
  adminKey: string;
  readKey: string;
  ingestKey: string;
}

export async function createTenant(
  db: Db,
  entity: { timeZone?: string; billingAnchorDay?: number; currency?: string } = {},
): Promise<TestTenant> {
  const suffix = randomUUID().slice(0, 8);
  const org = await db.organization.create({
    data: { name: `Test org ${suffix}`, billingEmail: `billing-${suffix}@test.example` },
  });
  const created = await db.entity.create({
    data: {
      organizationId: org.id,
      name: `Entity ${suffix}`,
      currency: entity.currency ?? 'USD',
      timeZone: entity.timeZone ?? 'UTC',
      billingAnchorDay: entity.billingAnchorDay ?? 1,
    },
  });
  const keys = { adminKey: generateApiKey(), readKey: generateApiKey(), ingestKey: generateApiKey() };
  for (const [scope, key] of [
    ['admin', keys.adminKey],
    ['read', keys.readKey],
    ['ingest', keys.ingestKey],
  ] as const) {
    await db.apiKey.create({
      data: {
        organizationId: org.id,
        name: `${scope} key`,
        prefix: apiKeyDisplayPrefix(key),
        hash: hashApiKey(key),
        scopes: [scope],
      },
    });
  }
  return { organizationId: org.id, entityId: created.id, ...keys };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
