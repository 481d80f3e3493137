// /api/billing/price-books: what each event type costs. A price is flat (unitPrice) or tiered on the period's
// cumulative quantity (graduated: each unit at its tier's price; volume: all units at the reached tier's price).
// Schemes are validated by the domain (422 INVALID_PRICE_DEFINITION); an entity's book overrides the organization's.
// Every write is checked against what metering needs (activities/priceBooks/priceCatalogGuard.ts): 409
// PRICE_BOOK_CONFLICT or PRICE_BOOK_IN_USE, with the event types, books and entities in `conflicts`.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { SchemaObject } from 'openapi3-ts/oas31';
import {
  addEventPrice,
  createPriceBook,
  deleteEventPrice,
  deletePriceBook,
  findEventPrice,
  findPriceBook,
  listEventPrices,
  listPriceBooks,
  replaceEventPrice,
  updatePriceBook,
} from '../../activities/priceBooks/priceBookRecords.js';
import { type Tier, validatePricingScheme } from '../../domain/tieredPricing.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  AmountString,
  apiRoute,
  CurrencyCode,
  Deleted,
  iso,
  json,
  jsonBody,
  money,
  moneyOrNull,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const TierSchema = z
  .strictObject({
    upTo: z
      .string()
      .regex(/^[0-9]+(\.[0-9]+)?$/)
      .nullable()
      .openapi({
        description: 'Inclusive upper bound of cumulative quantity; null for the open last tier',
        example: '100',
      }),
    unitPrice: AmountString,
    flatFee: AmountString.nullable().optional(),
  })
  .openapi('PriceTier');

const PriceModel = z.enum(['flat', 'graduated', 'volume']);

/**
 * Which fields each model takes, as the document states it (the domain checks it at run time, with the tiers' order,
 * and answers 422 INVALID_PRICE_DEFINITION): flat takes a unitPrice and no tiers, graduated and volume take tiers and
 * no unitPrice.
 */
const modelRules: { oneOf: SchemaObject[] } = {
  oneOf: [
    {
      properties: {
        model: { const: 'flat' },
        unitPrice: { type: 'string' },
        tiers: { type: ['array', 'null'], maxItems: 0 },
      },
      required: ['model', 'unitPrice'],
    },
    {
      properties: {
        model: { enum: ['graduated', 'volume'] },
        unitPrice: { type: 'null' },
        tiers: { type: 'array', minItems: 1 },
      },
      required: ['model', 'tiers'],
    },
  ],
};

const PriceScheme = z
  .strictObject({
    model: PriceModel,
    unitPrice: AmountString.nullable().optional().openapi({ description: 'For model flat: the price of one unit' }),
    tiers: z.array(TierSchema).max(50).nullable().optional().openapi({ description: 'For graduated and volume' }),
  })
  .openapi({
    ...modelRules,
    example: {
      model: 'graduated',
      tiers: [
        { upTo: '100', unitPrice: '0.50' },
        { upTo: null, unitPrice: '0.40' },
      ],
    },
  });

export const NewEventPrice = PriceScheme.extend({
  eventType: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : -')
    .openapi({ example: 'project.posted' }),
})
  .openapi(modelRules)
  .openapi('NewEventPrice', { example: { eventType: 'project.posted', model: 'flat', unitPrice: '2.00' } });

const EventPriceSchema = z
  .object({
    id: z.uuid(),
    priceBookId: z.uuid(),
    eventType: z.string(),
    model: PriceModel,
    currency: z.string(),
    unitPrice: z.string().nullable(),
    tiers: z.array(TierSchema).nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('EventPrice');

const PriceBookSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    currency: z.string(),
    entityId: z.uuid().nullable().openapi({ description: "Set: overrides the organization's prices for this entity" }),
    active: z.boolean(),
    prices: z.array(EventPriceSchema),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('PriceBook');

const NewPriceBook = z
  .strictObject({
    name: z.string().min(1).max(200),
    currency: CurrencyCode,
    entityId: z.uuid().nullable().optional(),
    active: z.boolean().optional(),
    prices: z.array(NewEventPrice).max(500).default([]),
  })
  .openapi('NewPriceBook');

const PriceBookPatch = z
  .strictObject({ name: z.string().min(1).max(200).optional(), active: z.boolean().optional() })
  .openapi('PriceBookPatch');

/** What every price book write is checked against; repeated in each write's description. */
const CATALOG_RULES =
  'Refused, changing nothing, when it would break what metering needs (an entity prices an event type with the ' +
  "prices of its own active books, else with its organization's active books in the entity's currency: one book " +
  'per currency is regional pricing): 409 `PRICE_BOOK_IN_USE` when an entity prices an event type through this ' +
  'book (or price) and no other active book would price it for the entity in its currency afterwards; 409 ' +
  '`PRICE_BOOK_CONFLICT` when an event type would be priced twice at one level in one currency (two active ' +
  'organization books of that currency, or two of one entity). A book in another currency than an entity prices ' +
  "in is another region and changes nothing for it. The problem's `conflicts` lists each event type, the books and " +
  'the entities affected.';

const BookParams = z.object({ priceBookId: z.uuid().openapi({ param: { name: 'priceBookId', in: 'path' } }) });
const PriceParams = BookParams.extend({ priceId: z.uuid().openapi({ param: { name: 'priceId', in: 'path' } }) });
const tags = ['Price books'];
const base = '/api/billing/price-books';

const createRoute = apiRoute({
  method: 'post',
  path: base,
  tags,
  summary: 'Create a price book (optionally with its prices)',
  description: CATALOG_RULES,
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewPriceBook) },
  responses: { 201: json(PriceBookSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: 'List price books',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({ entityId: z.uuid().optional(), active: z.enum(['true', 'false']).optional() }),
  },
  responses: { 200: json(listSchema(PriceBookSchema, 'PriceBookList'), 'Price books') },
});
const readRoute = apiRoute({
  method: 'get',
  path: `${base}/{priceBookId}`,
  tags,
  summary: 'Read a price book and its prices',
  middleware: [requireScope('read')],
  request: { params: BookParams },
  responses: { 200: json(PriceBookSchema, 'The price book') },
});
const updateRoute = apiRoute({
  method: 'patch',
  path: `${base}/{priceBookId}`,
  tags,
  summary: 'Rename or (de)activate a price book',
  description: CATALOG_RULES,
  middleware: [requireScope('admin')],
  request: { params: BookParams, body: jsonBody(PriceBookPatch) },
  responses: { 200: json(PriceBookSchema, 'Updated') },
});
const deleteRoute = apiRoute({
  method: 'delete',
  path: `${base}/{priceBookId}`,
  tags,
  summary: 'Delete a price book',
  description: CATALOG_RULES,
  middleware: [requireScope('admin')],
  request: { params: BookParams },
  responses: { 200: json(Deleted, 'Deleted') },
});
const addPriceRoute = apiRoute({
  method: 'post',
  path: `${base}/{priceBookId}/prices`,
  tags,
  summary: 'Add an event price',
  description: CATALOG_RULES,
  middleware: [requireScope('admin')],
  request: { params: BookParams, body: jsonBody(NewEventPrice) },
  responses: { 201: json(EventPriceSchema, 'Created') },
});
const listPricesRoute = apiRoute({
  method: 'get',
  path: `${base}/{priceBookId}/prices`,
  tags,
  summary: "List a price book's event prices",
  middleware: [requireScope('read')],
  request: { params: BookParams, query: ListQuery },
  responses: { 200: json(listSchema(EventPriceSchema, 'EventPriceList'), 'Event prices') },
});
const readPriceRoute = apiRoute({
  method: 'get',
  path: `${base}/{priceBookId}/prices/{priceId}`,
  tags,
  summary: 'Read an event price',
  middleware: [requireScope('read')],
  request: { params: PriceParams },
  responses: { 200: json(EventPriceSchema, 'The event price') },
});
const replacePriceRoute = apiRoute({
  method: 'put',
  path: `${base}/{priceBookId}/prices/{priceId}`,
  tags,
  summary: "Replace an event price's scheme (applies to events rated from now on)",
  description: CATALOG_RULES,
  middleware: [requireScope('admin')],
  request: { params: PriceParams, body: jsonBody(PriceScheme.openapi('PriceScheme')) },
  responses: { 200: json(EventPriceSchema, 'Replaced') },
});
const deletePriceRoute = apiRoute({
  method: 'delete',
  path: `${base}/{priceBookId}/prices/{priceId}`,
  tags,
  summary: 'Delete an event price',
  description: CATALOG_RULES,
  middleware: [requireScope('admin')],
  request: { params: PriceParams },
  responses: { 200: json(Deleted, 'Deleted') },
});

interface EventPriceRow {
  id: string;
  priceBookId: string;
  eventType: string;
  model: 'flat' | 'graduated' | 'volume';
  currency: string;
  unitPrice: { toString(): string } | null;
  tiers: unknown;
  createdAt: Date;
  updatedAt: Date;
}

const presentTiers = (tiers: unknown, currency: string) =>
  Array.isArray(tiers)
    ? (tiers as Tier[]).map((t) => ({
        upTo: t.upTo,
        unitPrice: money(t.unitPrice, currency),
        ...(t.flatFee !== undefined && t.flatFee !== null ? { flatFee: money(t.flatFee, currency) } : {}),
      }))
    : null;

const presentPrice = (p: EventPriceRow) => ({
  id: p.id,
  priceBookId: p.priceBookId,
  eventType: p.eventType,
  model: p.model,
  currency: p.currency,
  unitPrice: moneyOrNull(p.unitPrice, p.currency),
  tiers: presentTiers(p.tiers, p.currency),
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

type BookRow = NonNullable<Awaited<ReturnType<typeof findPriceBook>>>;
const presentBook = (b: BookRow) => ({
  id: b.id,
  name: b.name,
  currency: b.currency,
  entityId: b.entityId,
  active: b.active,
  prices: b.prices.map(presentPrice),
  createdAt: iso(b.createdAt),
  updatedAt: iso(b.updatedAt),
});

type Scheme = z.infer<typeof PriceScheme>;
/** The scheme checked by the domain (422 INVALID_PRICE_DEFINITION), with its tiers typed for the data layer. */
export const validated = <T extends Scheme>(p: T, eventType?: string): T & { tiers: Tier[] | null | undefined } => {
  validatePricingScheme({ model: p.model, unitPrice: p.unitPrice, tiers: p.tiers as Tier[] | null }, eventType);
  return p as T & { tiers: Tier[] | null | undefined };
};

export function priceBookRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const body = c.req.valid('json');
      const prices = body.prices.map((p) => validated(p, p.eventType));
      const book = await createPriceBook(c.var.db, actorOf(c), c.var.auth.organizationId, { ...body, prices });
      return c.json(presentBook(book), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const active = q.active === undefined ? undefined : q.active === 'true';
      const page = await listPriceBooks(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entityId, active },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentBook), 200);
    })
    .openapi(readRoute, async (c) => {
      const book = await findPriceBook(c.var.db, c.var.auth.organizationId, c.req.valid('param').priceBookId);
      if (!book) throw notFound('price book');
      return c.json(presentBook(book), 200);
    })
    .openapi(updateRoute, async (c) => {
      const { priceBookId } = c.req.valid('param');
      const book = await updatePriceBook(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        priceBookId,
        c.req.valid('json'),
      );
      return c.json(presentBook(book), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { priceBookId } = c.req.valid('param');
      await deletePriceBook(c.var.db, actorOf(c), c.var.auth.organizationId, priceBookId);
      return c.json({ id: priceBookId, object: 'price_book', deleted: true as const }, 200);
    })
    .openapi(addPriceRoute, async (c) => {
      const { priceBookId } = c.req.valid('param');
      const body = validated(c.req.valid('json'), c.req.valid('json').eventType);
      const price = await addEventPrice(c.var.db, actorOf(c), c.var.auth.organizationId, priceBookId, body);
      return c.json(presentPrice(price), 201);
    })
    .openapi(listPricesRoute, async (c) => {
      const { priceBookId } = c.req.valid('param');
      const page = await listEventPrices(
        c.var.db,
        c.var.auth.organizationId,
        priceBookId,
        pageRequest(c.req.valid('query')),
      );
      return c.json(listResponse(page, presentPrice), 200);
    })
    .openapi(readPriceRoute, async (c) => {
      const { priceBookId, priceId } = c.req.valid('param');
      const price = await findEventPrice(c.var.db, c.var.auth.organizationId, priceBookId, priceId);
      if (!price) throw notFound('event price');
      return c.json(presentPrice(price), 200);
    })
    .openapi(replacePriceRoute, async (c) => {
      const { priceBookId, priceId } = c.req.valid('param');
      const scheme = validated(c.req.valid('json'));
      const price = await replaceEventPrice(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        priceBookId,
        priceId,
        scheme,
      );
      return c.json(presentPrice(price), 200);
    })
    .openapi(deletePriceRoute, async (c) => {
      const { priceBookId, priceId } = c.req.valid('param');
      await deleteEventPrice(c.var.db, actorOf(c), c.var.auth.organizationId, priceBookId, priceId);
      return c.json({ id: priceId, object: 'event_price', deleted: true as const }, 200);
    });
}
