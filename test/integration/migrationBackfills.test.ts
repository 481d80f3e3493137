// Migrations that rewrite existing rows: each is applied to rows written the way the previous release wrote them,
// in a throwaway database migrated up to just before it.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { migrationSandbox } from '../support/migrationSandbox.js';

describe('idempotency_records_per_api_key', () => {
  it('gives each organization record to the keys that could have made it, and bootstrap records to the bootstrap key', async () => {
    const box = await migrationSandbox(inject('databaseUrl'), 'idempotency_records_per_api_key');
    try {
      const q = (text: string, values: unknown[] = []) => box.client.query(text, values);
      const [orgA, orgB] = [randomUUID(), randomUUID()];
      for (const id of [orgA, orgB]) {
        await q(
          `INSERT INTO "Organization" (id, name, "billingEmail", "updatedAt") VALUES ($1, 'o', 'b@o.example', now())`,
          [id],
        );
      }
      const t = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));
      const key = async (organizationId: string, createdAt: Date, revokedAt: Date | null = null) => {
        const id = randomUUID();
        await q(
          `INSERT INTO "ApiKey" (id, "organizationId", name, prefix, hash, scopes, "createdAt", "updatedAt", "revokedAt")
           VALUES ($1, $2, 'k', 'bk_', $3, ARRAY['admin'], $4, $4, $5)`,
          [id, organizationId, randomUUID(), createdAt, revokedAt],
        );
        return id;
      };
      const adminA = await key(orgA, t(0));
      const readA = await key(orgA, t(5));
      const revokedBeforeA = await key(orgA, t(0), t(8));
      const laterA = await key(orgA, t(20));
      const keyB = await key(orgB, t(0));
      const record = (scope: string, k: string, createdAt: Date, statusCode = 201) =>
        q(
          `INSERT INTO "IdempotencyRecord" (id, scope, key, method, path, "requestHash", "statusCode", "responseBody", "createdAt")
           VALUES ($1, $2, $3, 'POST', '/api/api-keys', 'hash', $4, '{"id":"x"}'::jsonb, $5)`,
          [randomUUID(), scope, k, statusCode, createdAt],
        );
      await record(orgA, 'same-key', t(10));
      await record(orgB, 'same-key', t(10));
      await record('bootstrap', 'same-key', t(10));

      await box.applyTarget();

      const rows = await q(
        `SELECT "organizationId", "apiKeyId", key, "statusCode", "responseBody", "createdAt" FROM "IdempotencyRecord"
          ORDER BY "apiKeyId"`,
      );
      const expected = [
        { organizationId: orgA, apiKeyId: adminA },
        { organizationId: orgA, apiKeyId: readA },
        { organizationId: orgB, apiKeyId: keyB },
        { organizationId: null, apiKeyId: 'bootstrap' },
      ]
        .map((r) => ({ ...r, key: 'same-key', statusCode: 201, responseBody: { id: 'x' }, createdAt: t(10) }))
        .sort((a, b) => (a.apiKeyId < b.apiKeyId ? -1 : 1));
      expect(rows.rows).toEqual(expected);
      expect(rows.rows.map((r) => r.apiKeyId)).not.toContain(revokedBeforeA);
      expect(rows.rows.map((r) => r.apiKeyId)).not.toContain(laterA);
    } finally {
      await box.drop();
    }
  });
});

describe('organization_users', () => {
  it('gives every organization with a membership its own record of the user, then clears the shared row', async () => {
    const box = await migrationSandbox(inject('databaseUrl'), 'organization_users');
    try {
      const q = (text: string, values: unknown[] = []) => box.client.query(text, values);
      const t = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));
      const org = async () => {
        const id = randomUUID();
        await q(
          `INSERT INTO "Organization" (id, name, "billingEmail", "updatedAt") VALUES ($1, 'o', 'b@o.example', now())`,
          [id],
        );
        return id;
      };
      const entity = async (organizationId: string) => {
        const id = randomUUID();
        await q(
          `INSERT INTO "Entity" (id, "organizationId", name, currency, "updatedAt") VALUES ($1, $2, 'e', 'USD', now())`,
          [id, organizationId],
        );
        return id;
      };
      const user = async (email: string, name: string, createdAt: Date) => {
        const id = randomUUID();
        await q(`INSERT INTO "User" (id, email, name, "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $4)`, [
          id,
          email,
          name,
          createdAt,
        ]);
        return id;
      };
      const member = (entityId: string, userId: string, createdAt: Date, deletedAt: Date | null = null) =>
        q(
          `INSERT INTO "EntityUser" (id, "entityId", "userId", "createdAt", "updatedAt", "deletedAt")
           VALUES ($1, $2, $3, $4, $4, $5)`,
          [randomUUID(), entityId, userId, createdAt, deletedAt],
        );
      const [orgA, orgB] = [await org(), await org()];
      const [a1, a2, b1] = [await entity(orgA), await entity(orgA), await entity(orgB)];
      // Alice: created by A (two memberships), reused by B later, whose membership was since removed.
      const alice = await user('alice@x.example', 'Alice Moreau', t(0));
      await member(a1, alice, t(0));
      await member(a2, alice, t(5));
      await member(b1, alice, t(10), t(20));
      const bob = await user('bob@x.example', 'Bob Okafor', t(1));
      await member(a1, bob, t(1));
      const orphan = await user('nobody@x.example', 'Nobody', t(2));

      await box.applyTarget();

      const profiles = await q(
        `SELECT "organizationId", "userId", email, name, "createdAt", "updatedAt" FROM "OrganizationUser"
          ORDER BY "createdAt"`,
      );
      expect(profiles.rows).toEqual([
        {
          organizationId: orgA,
          userId: alice,
          email: 'alice@x.example',
          name: 'Alice Moreau',
          createdAt: t(0),
          updatedAt: t(0),
        },
        {
          organizationId: orgA,
          userId: bob,
          email: 'bob@x.example',
          name: 'Bob Okafor',
          createdAt: t(1),
          updatedAt: t(1),
        },
        {
          organizationId: orgB,
          userId: alice,
          email: 'alice@x.example',
          name: 'Alice Moreau',
          createdAt: t(10),
          updatedAt: t(10),
        },
      ]);
      const users = await q(`SELECT id, email, name FROM "User" ORDER BY "createdAt"`);
      expect(users.rows).toEqual([
        { id: alice, email: null, name: null },
        { id: bob, email: null, name: null },
        { id: orphan, email: 'nobody@x.example', name: 'Nobody' },
      ]);
    } finally {
      await box.drop();
    }
  });
});

describe('multi_currency', () => {
  it("sets each organization's reporting currency to its first live entity's currency, else USD", async () => {
    const box = await migrationSandbox(inject('databaseUrl'), 'multi_currency');
    try {
      const q = (text: string, values: unknown[] = []) => box.client.query(text, values);
      const [euro, bare, deleted] = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of [euro, bare, deleted]) {
        await q(
          `INSERT INTO "Organization" (id, name, "billingEmail", "updatedAt") VALUES ($1, 'o', 'b@o.example', now())`,
          [id],
        );
      }
      const entity = (organizationId: string, currency: string, createdAt: Date, deletedAt: Date | null = null) =>
        q(
          `INSERT INTO "Entity" (id, "organizationId", name, currency, "createdAt", "updatedAt", "deletedAt")
           VALUES ($1, $2, 'e', $3, $4, $4, $5)`,
          [randomUUID(), organizationId, currency, createdAt, deletedAt],
        );
      const t = (day: number) => new Date(Date.UTC(2026, 10, day));
      await entity(euro, 'JPY', t(2));
      await entity(euro, 'EUR', t(1));
      await entity(deleted, 'GBP', t(1), t(3));
      await box.applyTarget();
      const rows = await q(`SELECT id, "reportingCurrency" FROM "Organization" WHERE id = ANY($1::uuid[])`, [
        [euro, bare, deleted],
      ]);
      const byId = Object.fromEntries(
        rows.rows.map((r: { id: string; reportingCurrency: string }) => [r.id, r.reportingCurrency]),
      );
      expect([byId[euro], byId[bare], byId[deleted]]).toEqual(['EUR', 'USD', 'USD']);
    } finally {
      await box.drop();
    }
  });
});
