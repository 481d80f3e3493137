// Admin-granted promotional credits: a grant (source promo) with an optional expiry and priority and its opening
// ledger entry, and credits.granted. Idempotent on (entity, idempotencyKey); the same key with another amount or
// expiry is a conflict. `webhookEventIds`: the outbox row to dispatch after commit (not part of the API answer).
import { Money, toDecimal } from '../../domain/money.js';
import type { Db } from '../db.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { undispatchedWebhookEvents } from '../webhooks/outboxEvents.js';
import { recordCreditsGranted } from './creditEvents.js';
import { type CreditGrantView, creditGrantView } from './creditGrantView.js';
import { lockCreditEntity } from './entityCreditState.js';
import { issueCreditGrant } from './issueCreditGrant.js';

export interface PromoGrantInput {
  entityId: string;
  amount: string;
  expiresAt?: string | null;
  priority?: number;
  description?: string;
  idempotencyKey: string;
}

export async function grantPromotionalCredits(
  db: Db,
  organizationId: string,
  input: PromoGrantInput,
  now: Date = new Date(),
): Promise<{ replayed: boolean; grant: CreditGrantView; webhookEventIds: string[] }> {
  let amount: ReturnType<typeof toDecimal>;
  try {
    amount = toDecimal(input.amount);
  } catch {
    throw new UnprocessableError('INVALID_AMOUNT', 'amount must be a decimal string', 'amount');
  }
  if (!amount.greaterThan(0) || amount.decimalPlaces() > 6 || amount.greaterThanOrEqualTo('1e14')) {
    throw new UnprocessableError('INVALID_AMOUNT', 'amount must be > 0 with at most 6 decimals', 'amount');
  }
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt <= now) {
    throw new UnprocessableError('INVALID_EXPIRY', 'expiresAt must be in the future', 'expiresAt');
  }
  const key = `promo:${input.idempotencyKey}`;

  const run = () =>
    db.$transaction(
      async (tx) => {
        const entity = await lockCreditEntity(tx, organizationId, input.entityId);
        if (!entity) throw new ResourceNotFoundError('entity');
        const existing = await tx.creditGrant.findUnique({
          where: { entityId_idempotencyKey: { entityId: entity.id, idempotencyKey: key } },
        });
        if (existing) {
          const same =
            existing.original.toString() === amount.toFixed(6) ||
            toDecimal(existing.original.toString()).equals(amount);
          if (!same || (existing.expiresAt?.getTime() ?? null) !== (expiresAt?.getTime() ?? null)) {
            throw new ResourceConflictError(
              'IDEMPOTENCY_KEY_CONFLICT',
              'this idempotency key was used for another grant',
            );
          }
          const pending = await undispatchedWebhookEvents(tx, [`credits.granted:${existing.id}`]);
          return { replayed: true, grant: creditGrantView(existing), webhookEventIds: pending };
        }
        const { grant } = await issueCreditGrant(tx, {
          entityId: entity.id,
          source: 'promo',
          amount: amount.toFixed(),
          currency: entity.currency,
          expiresAt,
          priority: input.priority ?? 0,
          idempotencyKey: key,
          description: input.description ?? `Promotional credits ${Money.of(amount, entity.currency).toString()}`,
        });
        const granted = await recordCreditsGranted(tx, organizationId, grant, now);
        return { replayed: false, grant: creditGrantView(grant), webhookEventIds: [granted] };
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
  return run();
}
