// Checks a webhook payload against the event catalog (activities/webhooks/eventCatalog.ts) as strictly as a receiver
// would want: it parses with the type's schema, carries no field the schema does not document, and every money field
// has at least its currency's minor-unit digits ("137.10", never "137.1").
import type { z } from 'zod';
import {
  isMoneySchema,
  isWebhookEventType,
  WEBHOOK_EVENT_CATALOG,
  type WebhookEventType,
} from '../../activities/webhooks/eventCatalog.js';
import { minorUnitDigits } from '../../domain/currencies.js';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Problems of `payload` as an event of `type`; empty when it is exactly what the catalog documents. */
export function payloadProblems(type: string, payload: unknown): string[] {
  if (!isWebhookEventType(type)) return [`${type} is not in the catalog`];
  const schema = WEBHOOK_EVENT_CATALOG[type as WebhookEventType].schema as z.ZodType;
  const parsed = schema.safeParse(payload);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${type}.${i.path.join('.')}: ${i.message}`);
  const currency = (payload as { currency?: unknown } | null)?.currency;
  walk(schema, payload, type, typeof currency === 'string' ? currency : null, problems);
  return problems;
}

function walk(schema: z.ZodType, value: unknown, path: string, currency: string | null, problems: string[]) {
  if (isMoneySchema(schema) && typeof value === 'string') {
    const digits = currency ? minorUnitDigits(currency) : 2;
    const decimals = value.includes('.') ? value.length - value.indexOf('.') - 1 : 0;
    if (decimals < digits) problems.push(`${path}: "${value}" has fewer than ${digits} decimals (${currency})`);
    return;
  }
  const def = defOf(schema);
  if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) {
    if (value !== null && value !== undefined) walk(def.innerType, value, path, currency, problems);
    return;
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(def.element, v, `${path}.${i}`, currency, problems);
    return;
  }
  if (def.type === 'object' && def.shape && value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const field = def.shape[key];
      if (!field) problems.push(`${path}.${key}: not documented in the catalog`);
      else walk(field, (value as Record<string, unknown>)[key], `${path}.${key}`, currency, problems);
    }
  }
}
