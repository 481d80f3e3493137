// The applied exchange rate as the API shows it next to every converted figure (a credit transfer between
// currencies, the rate-in-force read, reports in the reporting currency): the rate and the stored rates behind it.
import { z } from '@hono/zod-openapi';
import { Timestamp } from '../openapiKit.js';

export const AppliedRate = z
  .object({
    base: z.string(),
    quote: z.string(),
    rate: z.string().openapi({ description: 'The rate applied (an inverse or cross rate to 16 decimals)' }),
    method: z.enum(['identity', 'direct', 'inverse', 'cross']),
    legs: z.array(
      z.object({
        id: z.uuid().nullable().openapi({ description: 'The stored rate; null for a rate given in the request' }),
        base: z.string(),
        quote: z.string(),
        rate: z.string(),
        effectiveAt: Timestamp,
        source: z.string(),
      }),
    ),
  })
  .openapi('AppliedExchangeRate');

/** A positive rate: at most 10 integer and 10 decimal digits (domain parseRate; an all-zero fraction is refused there). */
export const RateString = z
  .string()
  .regex(
    /^([1-9][0-9]{0,9}(\.[0-9]{1,10})?|0\.[0-9]{1,10})$/,
    'a positive decimal string with at most 10 integer and 10 decimal digits',
  )
  .openapi({ example: '1.0842', description: 'Units of `quote` one unit of `base` buys (must be > 0)' });
