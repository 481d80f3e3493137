// Metered events read back: GET /api/billing/events (filters, cursor pagination) and GET /api/billing/events/{eventId}
// with how the event was billed (rating and price, credit draws, its period and the one billing it, the invoice lines
// it is on). Ingest is billingEvents.ts; the reads are activities/metering/billingEventReads.ts.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { findBillingEvent, listBillingEvents } from '../../activities/metering/billingEventReads.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, idParam, isoDateTime, json, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Metering'];
const MoneyText = (example: string) => z.string().openapi({ example });

const BillingEvent = z
  .object({
    id: z.uuid(),
    entityId: z.uuid(),
    userId: z.uuid(),
    eventType: z.string().openapi({ example: 'project.posted' }),
    quantity: z.number().int().openapi({ example: 1 }),
    occurredAt: Timestamp,
    receivedAt: Timestamp,
    idempotencyKey: z.string(),
    properties: z.record(z.string(), z.unknown()),
    status: z.enum(['accepted', 'rejected']),
    code: z
      .enum(['ENTITY_SUSPENDED', 'INSUFFICIENT_CREDITS', 'USER_CREDIT_LIMIT_EXCEEDED'])
      .nullable()
      .openapi({ description: 'Why it was rejected; null when accepted' }),
    currency: z.string().openapi({ example: 'USD' }),
    ratedAmount: MoneyText('2.50'),
    creditsDrawn: MoneyText('2.50'),
    billedLater: MoneyText('0.00'),
    balanceAfter: MoneyText('134.60').nullable(),
    periodStart: Timestamp.openapi({ description: 'The billing period the event belongs to (its tiers and limits)' }),
    billedPeriodStart: Timestamp.openapi({ description: 'The billing period whose invoice bills it' }),
    late: z.boolean().openapi({ description: 'Its own period was closed when it arrived: billed as late usage' }),
  })
  .openapi('BillingEvent');

const Period = z.object({ start: Timestamp, end: Timestamp, status: z.enum(['open', 'closing', 'closed']) });

const BillingEventDetail = BillingEvent.extend({
  draws: z
    .array(z.object({ grantId: z.uuid(), amount: MoneyText('2.50'), ledgerEntryId: z.uuid().nullable() }))
    .openapi({ description: 'What it drew from each credit grant, and the consume ledger entry carrying it' }),
  rating: z.object({
    priceId: z.uuid().nullable(),
    usageBefore: z
      .string()
      .nullable()
      .openapi({ example: '10', description: "The period's quantity of this type before it: its place on the tiers" }),
    price: z
      .object({
        id: z.uuid(),
        priceBookId: z.uuid(),
        priceBookName: z.string(),
        eventType: z.string(),
        model: z.enum(['flat', 'graduated', 'volume']),
        unitPrice: MoneyText('2.50').nullable(),
        tiers: z.unknown().openapi({ description: 'Graduated and volume prices: [{upTo, unitPrice, flatFee?}]' }),
      })
      .nullable()
      .openapi({ description: 'The price that rated it, as it is now (null if removed since); ratedAmount is final' }),
  }),
  period: Period.nullable().openapi({ description: 'The billing period it belongs to' }),
  billedPeriod: Period.extend({ invoiceId: z.uuid().nullable() })
    .nullable()
    .openapi({ description: 'The billing period that bills it, and its invoice once closed' }),
  invoiceLines: z
    .array(
      z.object({
        invoiceId: z.uuid(),
        invoiceNumber: z.number().int().nullable(),
        invoiceStatus: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']),
        lineId: z.uuid(),
        position: z.number().int(),
        kind: z.enum(['usage', 'adjustment']),
        description: z.string().openapi({ example: 'project.posted (12 events)' }),
        amount: MoneyText('30.00').openapi({ description: 'The whole line (every event on it)' }),
        role: z.enum(['usage', 'late_usage', 'rerating']),
      }),
    )
    .openapi({ description: 'The invoice lines it is on; empty until the period that bills it is closed' }),
}).openapi('BillingEventDetail', {
  example: {
    id: '0193b0a6-2222-7ccc-8ddd-0000000000e1',
    entityId: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70',
    userId: '0193b0a5-1111-7aaa-8bbb-0000000000a1',
    eventType: 'project.posted',
    quantity: 1,
    occurredAt: '2026-12-16T10:00:00.000Z',
    receivedAt: '2026-12-16T10:00:00.120Z',
    idempotencyKey: 'evt-4711',
    properties: { projectId: 'p-42' },
    status: 'accepted',
    code: null,
    currency: 'USD',
    ratedAmount: '2.50',
    creditsDrawn: '2.50',
    billedLater: '0.00',
    balanceAfter: '134.60',
    periodStart: '2026-12-01T00:00:00.000Z',
    billedPeriodStart: '2026-12-01T00:00:00.000Z',
    late: false,
    draws: [
      {
        grantId: '0193b0a7-3333-7eee-8fff-0000000000c1',
        amount: '2.50',
        ledgerEntryId: '0193b0a7-3333-7eee-8fff-0000000000c9',
      },
    ],
    rating: {
      priceId: '0193b0a3-0000-7000-8000-000000000011',
      usageBefore: '11',
      price: {
        id: '0193b0a3-0000-7000-8000-000000000011',
        priceBookId: '0193b0a3-0000-7000-8000-000000000010',
        priceBookName: 'Standard',
        eventType: 'project.posted',
        model: 'flat',
        unitPrice: '2.50',
        tiers: null,
      },
    },
    period: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z', status: 'closed' },
    billedPeriod: {
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
      status: 'closed',
      invoiceId: '0193b0a8-6666-7aaa-8bbb-000000000101',
    },
    invoiceLines: [
      {
        invoiceId: '0193b0a8-6666-7aaa-8bbb-000000000101',
        invoiceNumber: 42,
        invoiceStatus: 'open',
        lineId: '0193b0a8-6666-7aaa-8bbb-000000000111',
        position: 1,
        kind: 'usage',
        description: 'project.posted (12 events)',
        amount: '30.00',
        role: 'usage',
      },
    ],
  },
});

const listRoute = apiRoute({
  method: 'get',
  path: '/api/billing/events',
  tags,
  summary: 'List metered events (accepted and rejected), filtered, in the order they were received',
  description:
    "`from`/`to` bound `occurredAt` (from inclusive, to exclusive). Another organization's entity or user filters " +
    'to nothing. Scope `read`.',
  middleware: [requireScope('read')] as const,
  request: {
    query: ListQuery.extend({
      entityId: z.uuid().optional(),
      userId: z.uuid().optional(),
      type: z.string().min(1).max(200).optional().openapi({ description: 'eventType', example: 'project.posted' }),
      status: z.enum(['accepted', 'rejected']).optional(),
      from: isoDateTime({ offset: true }).optional().openapi({ description: 'occurredAt at or after' }),
      to: isoDateTime({ offset: true }).optional().openapi({ description: 'occurredAt before' }),
    }),
  },
  responses: { 200: json(listSchema(BillingEvent, 'BillingEventList'), 'A page of events') },
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/billing/events/{eventId}',
  tags,
  summary: 'One metered event and how it was billed: rating and price, credit draws, periods, invoice lines',
  middleware: [requireScope('read')] as const,
  request: { params: idParam('eventId') },
  responses: { 200: json(BillingEventDetail, 'The event') },
});

export function billingEventReadRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listBillingEvents(
        c.var.db,
        c.var.auth.organizationId,
        {
          entityId: q.entityId,
          userId: q.userId,
          eventType: q.type,
          status: q.status,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
        },
        pageRequest(q),
      );
      return c.json(
        listResponse(page, (e) => e),
        200,
      );
    })
    .openapi(readRoute, async (c) => {
      const event = await findBillingEvent(c.var.db, c.var.auth.organizationId, c.req.valid('param').eventId);
      if (!event) throw notFound('billing event');
      return c.json(event, 200);
    });
}
