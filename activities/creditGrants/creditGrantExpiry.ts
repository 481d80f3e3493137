// Expiry of a prepaid credit grant: the `credits.expiring` notice, then the expiry of whatever remains as one ledger
// entry (kind expire, key expire:<grantId>) and `credits.expired`. The grant row is locked, so an expiry never races
// a concurrent draw; a grant already used up expires quietly (no entry, no webhook).
import { Money } from '../../domain/index.js';
import type { Db } from '../db.js';
import { tenantDbOf } from '../tenantDb.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

export interface CreditGrantInfo {
  grantId: string;
  entityId: string;
  organizationId: string;
  remaining: string;
  currency: string;
  expiresAt: string | null;
  expiredAt: string | null;
}

/** Each activity runs as the grant's organization (tenantDb.ts). */
export function createCreditGrantExpiryActivities(processDb: Db) {
  const info = async (grantId: string): Promise<CreditGrantInfo | null> => {
    const db = await tenantDbOf(processDb, 'credit_grant', grantId);
    const grant = await db.creditGrant.findUnique({ where: { id: grantId }, include: { entity: true } });
    if (!grant) return null;
    return {
      grantId: grant.id,
      entityId: grant.entityId,
      organizationId: grant.entity.organizationId,
      remaining: grant.remaining.toString(),
      currency: grant.currency,
      expiresAt: grant.expiresAt?.toISOString() ?? null,
      expiredAt: grant.expiredAt?.toISOString() ?? null,
    };
  };

  return {
    async getCreditGrant(input: { grantId: string }): Promise<CreditGrantInfo | null> {
      return info(input.grantId);
    },

    /** Writes credits.expiring once (if credits remain); returns the outbox ids to dispatch. */
    async noticeCreditGrantExpiring(input: {
      grantId: string;
      daysBefore: number;
    }): Promise<{ webhookEventIds: string[] }> {
      const db = await tenantDbOf(processDb, 'credit_grant', input.grantId);
      return db.$transaction(async (tx) => {
        const grant = await tx.creditGrant.findUnique({ where: { id: input.grantId }, include: { entity: true } });
        if (!grant || grant.expiredAt || grant.remaining.lessThanOrEqualTo(0)) return { webhookEventIds: [] };
        const id = await recordWebhookEvent(tx, {
          organizationId: grant.entity.organizationId,
          entityId: grant.entityId,
          type: 'credits.expiring',
          idempotencyKey: `credits.expiring:${grant.id}`,
          payload: {
            grantId: grant.id,
            entityId: grant.entityId,
            remaining: Money.of(grant.remaining.toString(), grant.currency).toString(),
            currency: grant.currency,
            expiresAt: grant.expiresAt?.toISOString() ?? null,
            daysBefore: input.daysBefore,
          },
        });
        return { webhookEventIds: [id] };
      });
    },

    /** Expires the remainder. Idempotent on the grant (ledger key expire:<grantId>). */
    async expireCreditGrant(input: {
      grantId: string;
      at: string;
    }): Promise<{ expired: string; currency: string; webhookEventIds: string[] }> {
      const db = await tenantDbOf(processDb, 'credit_grant', input.grantId);
      return db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM "CreditGrant" WHERE id = ${input.grantId}::uuid FOR UPDATE`;
        const grant = await tx.creditGrant.findUniqueOrThrow({
          where: { id: input.grantId },
          include: { entity: true },
        });
        if (grant.expiredAt) {
          const entry = await tx.ledgerEntry.findUnique({ where: { idempotencyKey: `expire:${grant.id}` } });
          const ev = await tx.webhookEvent.findUnique({ where: { idempotencyKey: `credits.expired:${grant.id}` } });
          return {
            expired: entry ? entry.amount.negated().toString() : '0',
            currency: grant.currency,
            webhookEventIds: ev && !ev.dispatchedAt ? [ev.id] : [],
          };
        }
        const at = new Date(input.at);
        const remaining = grant.remaining;
        await tx.creditGrant.update({ where: { id: grant.id }, data: { remaining: 0, expiredAt: at } });
        if (remaining.lessThanOrEqualTo(0)) return { expired: '0', currency: grant.currency, webhookEventIds: [] };
        await tx.ledgerEntry.create({
          data: {
            entityId: grant.entityId,
            grantId: grant.id,
            kind: 'expire',
            amount: remaining.negated(),
            currency: grant.currency,
            description: 'Expired unused credits',
            idempotencyKey: `expire:${grant.id}`,
          },
        });
        const id = await recordWebhookEvent(tx, {
          organizationId: grant.entity.organizationId,
          entityId: grant.entityId,
          type: 'credits.expired',
          idempotencyKey: `credits.expired:${grant.id}`,
          payload: {
            grantId: grant.id,
            entityId: grant.entityId,
            expired: Money.of(remaining.toString(), grant.currency).toString(),
            currency: grant.currency,
            expiredAt: at.toISOString(),
          },
        });
        return { expired: remaining.toString(), currency: grant.currency, webhookEventIds: [id] };
      });
    },
  };
}
