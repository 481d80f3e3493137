// Exchange rates an organization holds (the platform never fetches rates while billing): post one, list them, and
// read the rate in force for a pair at an instant with the stored rates it is made of. Admin writes, read reads.
// Files (ECB XML, CSV) are loaded with `npm run rates:import`.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { listExchangeRates, postExchangeRate } from '../../activities/exchangeRates/exchangeRateRecords.js';
import { loadRateInForce } from '../../activities/exchangeRates/rateInForce.js';
import { appliedRateToJSON } from '../../domain/currencyConversion.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, CurrencyCode, isoDateTime, json, jsonBody, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import type { RouteDeps } from '../routeDeps.js';
import { AppliedRate, RateString } from './exchangeRateSchemas.js';

const ExchangeRateInput = z
  .strictObject({
    base: CurrencyCode.openapi({ example: 'EUR' }),
    quote: CurrencyCode.openapi({ example: 'USD' }),
    rate: RateString,
    effectiveAt: isoDateTime().openapi({
      example: '2026-03-02T00:00:00Z',
      description: 'In force from this instant until the pair’s next rate',
    }),
    source: z.string().min(1).max(200).optional().openapi({ example: 'ecb', description: 'Default "api"' }),
  })
  .openapi('ExchangeRateInput');

const ExchangeRate = z
  .object({
    id: z.uuid(),
    base: z.string(),
    quote: z.string(),
    rate: z.string(),
    source: z.string(),
    effectiveAt: Timestamp,
    createdAt: Timestamp,
  })
  .openapi('ExchangeRate');

const base = { tags: ['Exchange rates'] };

const postRate = apiRoute({
  ...base,
  method: 'post',
  path: '/api/billing/exchange-rates',
  summary: 'Post an exchange rate',
  description:
    'Holds a rate for a pair from `effectiveAt` on. One rate per pair and instant: the same rate again is 200 with ' +
    'the held row (nothing written), another rate is 409 `EXCHANGE_RATE_CONFLICT` (post the correction with a later ' +
    '`effectiveAt`). A pair of one currency, or a rate whose digits are all zero, is 422 `INVALID_EXCHANGE_RATE`.',
  middleware: [requireScope('admin')] as const,
  request: { body: jsonBody(ExchangeRateInput) },
  responses: {
    201: json(ExchangeRate, 'Held from now on'),
    200: json(ExchangeRate, 'The same rate was already held'),
  },
});

const listRates = apiRoute({
  ...base,
  method: 'get',
  path: '/api/billing/exchange-rates',
  summary: 'List exchange rates',
  middleware: [requireScope('read')] as const,
  request: { query: ListQuery.extend({ base: CurrencyCode.optional(), quote: CurrencyCode.optional() }) },
  responses: { 200: json(listSchema(ExchangeRate, 'ExchangeRateList'), 'Rates, oldest posted first') },
});

const rateInForce = apiRoute({
  ...base,
  method: 'get',
  path: '/api/billing/exchange-rates/in-force',
  summary: 'The rate in force for a pair at an instant',
  description:
    'The pair’s latest rate at or before `at` (default now); without one, the inverse of the reverse pair’s; without ' +
    'either, a cross rate through EUR. 422 `NO_EXCHANGE_RATE` when none applies.',
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      base: CurrencyCode.openapi({ example: 'EUR' }),
      quote: CurrencyCode,
      at: isoDateTime().optional(),
    }),
  },
  responses: { 200: json(AppliedRate, 'The rate and the stored rates it is made of') },
});

export function exchangeRateRoutes(_deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(postRate, async (c) => {
      const body = c.req.valid('json');
      const { rate, created } = await postExchangeRate(c.var.db, actorOf(c), c.var.auth.organizationId, {
        ...body,
        source: body.source ?? 'api',
      });
      return created ? c.json(rate, 201) : c.json(rate, 200);
    })
    .openapi(listRates, async (c) => {
      const q = c.req.valid('query');
      const page = await listExchangeRates(
        c.var.db,
        c.var.auth.organizationId,
        { base: q.base, quote: q.quote },
        pageRequest(q),
      );
      return c.json(
        listResponse(page, (r) => r),
        200,
      );
    })
    .openapi(rateInForce, async (c) => {
      const q = c.req.valid('query');
      const applied = await loadRateInForce(
        c.var.db,
        c.var.auth.organizationId,
        q.base,
        q.quote,
        q.at ? new Date(q.at) : new Date(),
      );
      return c.json(appliedRateToJSON(applied), 200);
    });
}
