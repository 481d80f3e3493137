// One webhook delivery (an outbox event to one endpoint): Standard Webhooks signing, the HTTP POST, and the delivery
// log. Every attempt is a WebhookAttempt row keyed by (delivery, attempt number), so a retried or re-executed
// activity returns the recorded outcome instead of posting again. `webhook-id` is the WebhookEvent id: the same on
// every attempt and every endpoint, so receivers deduplicate on it.
import { Webhook } from 'standardwebhooks';
import type { Db } from '../db.js';
import type { SecretKeyring } from '../secretsAtRest.js';
import { tenantDbOf } from '../tenantDb.js';
import { openWebhookSecret } from '../webhookEndpoints/webhookSecrets.js';
import { postWebhook } from './webhookHttp.js';
import { type ResolveHost, resolveWebhookTarget, WebhookUrlNotAllowedError } from './webhookUrlPolicy.js';

export interface WebhookHttpOptions {
  /** Per-attempt HTTP timeout; default 10 s. */
  timeoutMs?: number | undefined;
  /**
   * Dev mode (WEBHOOK_ALLOW_INTERNAL_URLS): deliver to loopback/private addresses. Otherwise every attempt resolves
   * the endpoint's host, refuses internal addresses and connects to the address it checked. Default false.
   */
  allowInternal?: boolean | undefined;
  /** Host resolution for that check (default: the system resolver); tests inject one. */
  resolve?: ResolveHost | undefined;
}

/**
 * `refused`: the URL policy refused the endpoint's address at delivery time (e.g. its name now resolves to an internal
 * address). Recorded as a failed attempt with REFUSED_PREFIX in its error; not retried, the delivery is dead.
 */
export type AttemptOutcome = 'delivered' | 'retry' | 'gone' | 'refused' | 'endpoint_disabled' | 'missing';

export const REFUSED_PREFIX = 'WEBHOOK_URL_NOT_ALLOWED: ';

export interface WebhookAttemptResult {
  outcome: AttemptOutcome;
  attemptNumber: number;
  statusCode: number | null;
  error: string | null;
}

export interface PreparedDelivery {
  deliveryId: string;
  status: 'pending' | 'delivering' | 'delivered' | 'failed' | 'dead' | 'missing';
  /** Attempts already made (the next attempt's number is this + 1). */
  attemptCount: number;
  webhookEventId: string | null;
  endpointId: string | null;
}

/** The body POSTed: the Standard Webhooks envelope {type, timestamp, data}. */
export function webhookBody(event: { id: string; type: string; payload: unknown; createdAt: Date }): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: event.payload,
  });
}

export function signWebhook(secret: string, msgId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, body),
  };
}

/** Each activity runs as the delivery's organization (tenantDb.ts). */
export function createWebhookDeliveryActivities(processDb: Db, secrets: SecretKeyring, http: WebhookHttpOptions = {}) {
  return {
    /** Reads the delivery; a redelivery request puts a finished delivery back to pending (attempt numbers go on). */
    async prepareWebhookDelivery(input: { deliveryId: string; redelivery?: boolean }): Promise<PreparedDelivery> {
      const db = await tenantDbOf(processDb, 'webhook_delivery', input.deliveryId);
      const row = await db.webhookDelivery.findUnique({ where: { id: input.deliveryId } });
      if (!row) {
        return {
          deliveryId: input.deliveryId,
          status: 'missing',
          attemptCount: 0,
          webhookEventId: null,
          endpointId: null,
        };
      }
      let status = row.status;
      if (input.redelivery && (status === 'delivered' || status === 'dead' || status === 'failed')) {
        await db.webhookDelivery.update({
          where: { id: row.id },
          data: { status: 'pending', nextAttemptAt: null },
        });
        status = 'pending';
      }
      return {
        deliveryId: row.id,
        status,
        attemptCount: row.attemptCount,
        webhookEventId: row.webhookEventId,
        endpointId: row.endpointId,
      };
    },

    /** POSTs attempt `attemptNumber` (once: a repeat returns what the first recorded). */
    async attemptWebhookDelivery(input: {
      deliveryId: string;
      attemptNumber: number;
      /** When the workflow will try again if this attempt fails (ISO), or null when it is the last attempt. */
      nextAttemptAt: string | null;
    }): Promise<WebhookAttemptResult> {
      const db = await tenantDbOf(processDb, 'webhook_delivery', input.deliveryId);
      const recorded = await db.webhookAttempt.findUnique({
        where: { deliveryId_attemptNumber: { deliveryId: input.deliveryId, attemptNumber: input.attemptNumber } },
      });
      if (recorded) {
        const code = recorded.statusCode;
        const outcome: AttemptOutcome =
          code !== null && code >= 200 && code < 300
            ? 'delivered'
            : code === 410
              ? 'gone'
              : recorded.error?.startsWith(REFUSED_PREFIX)
                ? 'refused'
                : 'retry';
        return { outcome, attemptNumber: input.attemptNumber, statusCode: code, error: recorded.error };
      }
      const delivery = await db.webhookDelivery.findUnique({
        where: { id: input.deliveryId },
        include: { event: true, endpoint: true },
      });
      if (!delivery) return { outcome: 'missing', attemptNumber: input.attemptNumber, statusCode: null, error: null };
      const { endpoint, event } = delivery;
      if (!endpoint.enabled || endpoint.deletedAt) {
        await db.webhookDelivery.update({
          where: { id: delivery.id },
          data: { status: 'dead', lastError: 'endpoint disabled', nextAttemptAt: null },
        });
        return {
          outcome: 'endpoint_disabled',
          attemptNumber: input.attemptNumber,
          statusCode: null,
          error: 'endpoint disabled',
        };
      }

      const body = webhookBody(event);
      // The secret in clear lives only here, for the signature (the row holds it sealed).
      const headers = signWebhook(openWebhookSecret(secrets, endpoint), event.id, new Date(), body);
      const started = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      let refused = false;
      try {
        const pinned = await resolveWebhookTarget(endpoint.url, {
          allowInternal: http.allowInternal ?? false,
          resolve: http.resolve,
        });
        statusCode = await postWebhook(endpoint.url, {
          headers: { 'content-type': 'application/json', 'user-agent': 'marketplace-billing-webhooks/1', ...headers },
          body,
          timeoutMs: http.timeoutMs ?? 10_000,
          pinned,
        });
        if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
      } catch (err) {
        const e = err as Error;
        if (e instanceof WebhookUrlNotAllowedError) {
          refused = true;
          error = `${REFUSED_PREFIX}${e.message}`.slice(0, 500);
        } else {
          error = e.name === 'TimeoutError' ? 'timeout' : `${e.name}: ${e.message}`.slice(0, 500);
        }
      }
      const durationMs = Math.round(performance.now() - started);
      const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
      const gone = statusCode === 410;
      const outcome: AttemptOutcome = delivered ? 'delivered' : gone ? 'gone' : refused ? 'refused' : 'retry';

      await db.$transaction(async (tx) => {
        const inserted = await tx.webhookAttempt.createMany({
          data: [{ deliveryId: delivery.id, attemptNumber: input.attemptNumber, statusCode, error, durationMs }],
          skipDuplicates: true,
        });
        if (inserted.count === 0) return;
        const now = new Date();
        await tx.webhookDelivery.update({
          where: { id: delivery.id },
          data: {
            attemptCount: { increment: 1 },
            lastStatusCode: statusCode,
            lastError: error,
            status: delivered ? 'delivered' : gone || refused ? 'dead' : input.nextAttemptAt ? 'failed' : 'dead',
            deliveredAt: delivered ? now : undefined,
            nextAttemptAt: delivered || gone || refused || !input.nextAttemptAt ? null : new Date(input.nextAttemptAt),
          },
        });
        if (gone) {
          await tx.webhookEndpoint.update({
            where: { id: endpoint.id },
            data: { enabled: false, disabledReason: `410 Gone on delivery ${delivery.id}` },
          });
        }
      });
      return { outcome, attemptNumber: input.attemptNumber, statusCode, error };
    },

    /** Dead letter: retries are exhausted. */
    async markWebhookDeliveryDead(input: { deliveryId: string; reason: string }): Promise<void> {
      const db = await tenantDbOf(processDb, 'webhook_delivery', input.deliveryId);
      await db.webhookDelivery.updateMany({
        where: { id: input.deliveryId, status: { not: 'delivered' } },
        data: { status: 'dead', nextAttemptAt: null, lastError: input.reason },
      });
    },
  };
}
