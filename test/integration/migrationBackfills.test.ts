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
