// Webhook event types on input (endpoint filters, the outbox list's `type`): documented as the catalog's enum
// (activities/webhooks/eventCatalog.ts) and checked against it, so a typo ("invoice.payed") is refused with 422
// UNKNOWN_WEBHOOK_EVENT_TYPE and the nearest known type, instead of silently never matching.
import { z } from '@hono/zod-openapi';
import {
  isWebhookEventType,
  nearestWebhookEventType,
  WEBHOOK_EVENT_TYPES,
} from '../activities/webhooks/eventCatalog.js';
import { ProblemError } from './problem.js';

/** One event type name; validated by assertKnownEventTypes (a problem of its own, not VALIDATION_FAILED). */
export const EventTypeName = z
  .string()
  .min(1)
  .max(100)
  .openapi({ enum: [...WEBHOOK_EVENT_TYPES] });

/** Refuses types the catalog does not know; `pathOf(i)` names the field of the i-th one in the problem. */
export function assertKnownEventTypes(types: readonly string[], pathOf: (index: number) => string): void {
  const errors = types.flatMap((type, i) => {
    if (isWebhookEventType(type)) return [];
    const nearest = nearestWebhookEventType(type);
    const hint = nearest ? `; did you mean "${nearest}"?` : '';
    return [{ path: pathOf(i), message: `unknown event type "${type}"${hint}` }];
  });
  if (errors.length === 0) return;
  throw new ProblemError(
    422,
    'UNKNOWN_WEBHOOK_EVENT_TYPE',
    'Unknown webhook event type',
    `${errors.map((e) => e.message).join('; ')}. The known types are the webhooks of /openapi.json.`,
    errors,
  );
}
