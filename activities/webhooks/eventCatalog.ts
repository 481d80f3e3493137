// Every webhook event type the platform emits, in one place: what it means, the JSON Schema of its payload (the
// `data` of the Standard Webhooks envelope {id, type, timestamp, data}) and an example. Everything that names event
// types reads this list: the writers (recordWebhookEvent and the metering outbox rows are typed by it), the OpenAPI
// document's `webhooks` section (api/webhookEventDocs.ts), the validation of webhook endpoint filters (an unknown
// type is 422 UNKNOWN_WEBHOOK_EVENT_TYPE) and the README's list (test/unit/webhookEventCatalog.test.ts compares it).
// Payload schemas describe what is sent today; receivers must ignore fields they do not know, as new ones may be
// added. Money is a decimal string with at least the currency's minor-unit digits ("137.10", never "137.1").
//
// The entries live beside their domain in catalog/ (one file per area); this module joins them in the order the
// README and the OpenAPI document list them, and answers questions about types.
import type { z } from 'zod';
import type { CatalogEntry } from './catalog/catalogKit.js';
import { creditEvents } from './catalog/creditEvents.js';
import { endpointEvents } from './catalog/endpointEvents.js';
import { entityEvents } from './catalog/entityEvents.js';
import { invoiceEvents } from './catalog/invoiceEvents.js';
import { marketplaceEvents } from './catalog/marketplaceEvents.js';
import { meteringEvents } from './catalog/meteringEvents.js';
import { paymentEvents } from './catalog/paymentEvents.js';
import { subscriptionEvents } from './catalog/subscriptionEvents.js';

export { isMoneySchema, moneyAmount } from './catalog/catalogKit.js';

export const WEBHOOK_EVENT_CATALOG = {
  ...creditEvents,
  ...meteringEvents,
  ...entityEvents,
  ...subscriptionEvents,
  ...invoiceEvents,
  ...paymentEvents,
  ...marketplaceEvents,
  ...endpointEvents,
} as const;

export type WebhookEventCatalog = typeof WEBHOOK_EVENT_CATALOG;
export type WebhookEventType = keyof WebhookEventCatalog;
/** The payload (`data`) of one event type, as writers build it. */
export type WebhookPayload<T extends WebhookEventType> = z.input<WebhookEventCatalog[T]['schema']>;

/** Every event type, in catalog order. */
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_CATALOG) as WebhookEventType[];

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_CATALOG, type);
}

/** The catalog entry of a type (schema, description, example). */
export function webhookEventEntry(type: WebhookEventType): CatalogEntry<z.ZodObject> {
  return WEBHOOK_EVENT_CATALOG[type] as CatalogEntry<z.ZodObject>;
}

/** The known type nearest to an unknown one (one or two edits away), for "did you mean" in an error. */
export function nearestWebhookEventType(type: string): WebhookEventType | null {
  let best: { type: WebhookEventType; distance: number } | null = null;
  for (const known of WEBHOOK_EVENT_TYPES) {
    const distance = editDistance(type, known);
    if (distance <= 2 && (best === null || distance < best.distance)) best = { type: known, distance };
  }
  return best?.type ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
