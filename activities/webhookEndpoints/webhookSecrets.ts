// Webhook signing secrets at rest: sealed with SECRET_KEYS (activities/secretsAtRest.ts), bound to their endpoint, so
// a database row never holds a secret the platform signs with. The plaintext exists in memory only: when a secret is
// generated (and shown once by create or rotate) and when a delivery is signed.
import { assertSeesEveryTenant } from '../databaseRoles.js';
import type { Db } from '../db.js';
import { openSecret, type SecretKeyring, sealingKeyId, sealSecret } from '../secretsAtRest.js';

const context = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export const sealWebhookSecret = (ring: SecretKeyring, endpointId: string, secret: string) =>
  sealSecret(ring, context(endpointId), secret);

export const openWebhookSecret = (ring: SecretKeyring, endpoint: { id: string; secret: string }) =>
  openSecret(ring, context(endpoint.id), endpoint.secret);

export interface ResealReport {
  /** Values sealed again with the active key (from an older key, or from plaintext written before encryption). */
  resealed: number;
  /** Values already sealed with the active key. */
  current: number;
}

/**
 * Seals every endpoint's secret with the active key: the data step of the migrations (plaintext rows of before) and
 * of a key rotation (`npm run secrets:rotate`). Every organization's rows, so it runs as the tables' owner. A row whose
 * secret changes meanwhile (rotated through the API) is left to that change. Idempotent.
 */
export async function resealWebhookSecrets(db: Db, ring: SecretKeyring, batchSize = 500): Promise<ResealReport> {
  await assertSeesEveryTenant(db);
  const report: ResealReport = { resealed: 0, current: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await db.webhookEndpoint.findMany({
      where: { id: { gt: after } },
      select: { id: true, secret: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) return report;
    for (const row of rows) {
      if (sealingKeyId(row.secret) === ring.activeKeyId) {
        report.current += 1;
        continue;
      }
      const plaintext = sealingKeyId(row.secret) === null ? row.secret : openWebhookSecret(ring, row);
      const { count } = await db.webhookEndpoint.updateMany({
        where: { id: row.id, secret: row.secret },
        data: { secret: sealWebhookSecret(ring, row.id, plaintext) },
      });
      report.resealed += count;
    }
    after = (rows[rows.length - 1] as { id: string }).id;
  }
}
