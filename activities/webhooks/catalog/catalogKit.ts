// The building blocks of the webhook event catalog (eventCatalog.ts): identifier, instant, currency and money
// schemas, and the shape of one entry. Money is a decimal string with at least the currency's minor-unit digits
// ("137.10", never "137.1").
import { z } from 'zod';

export const Id = z.uuid();
export const Instant = z.iso.datetime();
export const Currency = z.string().regex(/^[A-Z]{3}$/);

const MONEY_PATTERN = /^-?[0-9]+(\.[0-9]+)?$/;
const moneySchemas = new WeakSet<z.ZodType>();

/**
 * A money amount in the payload's `currency`: a decimal string with at least the currency's minor-unit digits
 * ("137.10"; JPY "137"), more only when the exact value has them (rated usage may carry up to 6 decimals).
 */
export function moneyAmount(description?: string) {
  const schema = z
    .string()
    .regex(MONEY_PATTERN)
    .meta({
      description:
        (description ? `${description}. ` : '') +
        'Decimal string in `currency`, with at least the currency\'s minor-unit digits ("137.10")',
    });
  moneySchemas.add(schema);
  return schema;
}

/** Whether a schema of the catalog is a money amount (tests check every one against its currency's digits). */
export const isMoneySchema = (schema: z.ZodType) => moneySchemas.has(schema);

export interface CatalogEntry<S extends z.ZodObject> {
  /** What happened, for the README and the OpenAPI document. */
  description: string;
  schema: S;
  example: z.input<S>;
}

export const entry = <S extends z.ZodObject>(description: string, schema: S, example: z.input<S>): CatalogEntry<S> => ({
  description,
  schema,
  example,
});
