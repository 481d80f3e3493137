// /api/billing/invoices: the consolidated period invoices the billing workflow writes. List (filters), read, lines,
// void, mark paid out of band, and an HTML rendering (print to PDF from a browser).
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  findInvoice,
  invoiceDocument,
  listInvoiceLines,
  listInvoices,
} from '../../activities/invoiceAdmin/invoiceQueries.js';
import { invoiceReportingTotal } from '../../activities/invoiceAdmin/invoiceReportingTotal.js';
import { markInvoicePaidOutOfBand, voidInvoice } from '../../activities/invoiceAdmin/invoiceStatusChanges.js';
import { notifyInvoiceSettled } from '../../temporal/invoiceSettled.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { lineFraction, renderInvoiceHtml, stillOwed } from '../invoiceHtml.js';
import {
  apiRoute,
  html,
  iso,
  isoDateTime,
  isoOrNull,
  json,
  money,
  moneyOrNull,
  NullableTimestamp,
  optionalJsonBody,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { AppliedRate } from './exchangeRateSchemas.js';

const Status = z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']);

export const InvoiceSchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    entityId: z.uuid().nullable(),
    customerId: z.uuid().nullable().openapi({ description: 'Legacy customer, if any' }),
    kind: z.enum(['period', 'one_off']).openapi({
      description: "period: the entity's invoice of one billing period; one_off: one charge_now subscription change",
    }),
    number: z.number().int().nullable().openapi({ description: 'Sequential per organization; null while draft' }),
    status: Status,
    currency: z.string(),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    subtotal: z.string().openapi({ example: '120.00' }),
    creditsApplied: z.string().openapi({ example: '20.00' }),
    total: z.string().openapi({ example: '100.00' }),
    amountDue: z
      .string()
      .openapi({ description: 'What the invoice asked for when issued: max(total, 0)', example: '100.00' }),
    amountPaid: z.string().openapi({ example: '0.00' }),
    amountRefunded: z
      .string()
      .openapi({ description: 'Refunded so far (each refund has its credit note)', example: '0.00' }),
    amountRemaining: z.string().openapi({
      description: 'What is still owed: 0 once paid or void, else amountDue - amountPaid (the HTML "Amount due")',
      example: '100.00',
    }),
    issuedAt: NullableTimestamp,
    dueAt: NullableTimestamp,
    paidAt: NullableTimestamp,
    voidedAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Invoice');

const InvoiceWithReportingTotal = InvoiceSchema.extend({
  reportingTotal: z
    .object({
      amount: z.string(),
      currency: z.string(),
      ratesAt: Timestamp,
      exchangeRate: AppliedRate,
    })
    .nullable()
    .openapi({
      description:
        "Information only: the total in the organization's reporting currency at the rate in force when the invoice " +
        'was issued. Null for a draft, an invoice in the reporting currency, or when no rate is held for that instant.',
    }),
}).openapi('InvoiceDetail');

const LineFraction = z
  .object({
    value: z.string().openapi({ description: 'seconds / periodSeconds, 6 decimals', example: '0.516129' }),
    seconds: z.number().int().openapi({ example: 1_382_400 }),
    periodSeconds: z.number().int().openapi({ example: 2_678_400 }),
  })
  .openapi('InvoiceLineFraction');

const InvoiceLineSchema = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    position: z.number().int(),
    kind: z.enum(['subscription_fee', 'proration', 'usage', 'credit_purchase', 'adjustment', 'credits_applied']),
    description: z.string(),
    quantity: z.string().openapi({ example: '3' }),
    unitAmount: z.string().nullable().openapi({
      description: 'Price of one unit (a seat for one whole period); null where a unit price means nothing',
    }),
    fraction: LineFraction.nullable().openapi({
      description: 'Prorated lines: the share of the period billed; amount = quantity × unitAmount × fraction, rounded',
    }),
    amount: z.string().openapi({ example: '36.00' }),
    currency: z.string(),
    periodStart: NullableTimestamp,
    periodEnd: NullableTimestamp,
    metadata: z.unknown().nullable(),
  })
  .openapi('InvoiceLine');

const MarkPaidBody = z
  .strictObject({
    paidAt: isoDateTime().optional().openapi({ description: 'When the money arrived (default: now)' }),
    reference: z.string().max(200).optional().openapi({ example: 'WIRE-2026-0042' }),
    method: z.string().max(50).optional().openapi({ example: 'wire_transfer' }),
  })
  .openapi('MarkInvoicePaid');

const InvoiceParams = z.object({ invoiceId: z.uuid().openapi({ param: { name: 'invoiceId', in: 'path' } }) });
const tags = ['Invoices'];
const base = '/api/billing/invoices';

const listRoute = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: 'List invoices',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({
      entityId: z.uuid().optional(),
      status: Status.optional(),
      periodStartFrom: isoDateTime().optional().openapi({ description: 'Period starts at or after' }),
      periodStartTo: isoDateTime().optional().openapi({ description: 'Period starts before' }),
    }),
  },
  responses: { 200: json(listSchema(InvoiceSchema, 'InvoiceList'), 'Invoices') },
});
const readRoute = apiRoute({
  method: 'get',
  path: `${base}/{invoiceId}`,
  tags,
  summary: 'Read an invoice',
  middleware: [requireScope('read')],
  request: { params: InvoiceParams },
  responses: { 200: json(InvoiceWithReportingTotal, 'The invoice') },
});
const linesRoute = apiRoute({
  method: 'get',
  path: `${base}/{invoiceId}/lines`,
  tags,
  summary: "An invoice's lines, in order",
  middleware: [requireScope('read')],
  request: { params: InvoiceParams, query: ListQuery },
  responses: { 200: json(listSchema(InvoiceLineSchema, 'InvoiceLineList'), 'Lines') },
});
const htmlRoute = apiRoute({
  method: 'get',
  path: `${base}/{invoiceId}/html`,
  tags,
  summary: 'The invoice as a printable HTML page',
  middleware: [requireScope('read')],
  request: { params: InvoiceParams },
  responses: { 200: html('HTML') },
});
const voidRoute = apiRoute({
  method: 'post',
  path: `${base}/{invoiceId}/void`,
  tags,
  summary: 'Void a draft, open or uncollectible invoice (409 INVOICE_NOT_VOIDABLE otherwise)',
  description:
    'Its collection stops (no further charge attempt). Voiding a past-due invoice ends the suspension it caused: ' +
    'when no other invoice of the entity is past due, the entity is active again, its past_due subscriptions ' +
    'active, and `entity.reactivated` is emitted (after `invoice.voided`).',
  middleware: [requireScope('admin')],
  request: { params: InvoiceParams },
  responses: { 200: json(InvoiceSchema, 'Voided') },
});
const markPaidRoute = apiRoute({
  method: 'post',
  path: `${base}/{invoiceId}/mark-paid`,
  tags,
  summary: 'Record an out-of-band payment of an open invoice (409 INVOICE_NOT_PAYABLE otherwise)',
  description:
    'Exactly what a successful charge does: the invoice is paid (`invoice.paid`, once), its collection stops (no ' +
    'further charge attempt), and when the entity is suspended and no other of its invoices is past due, the ' +
    'entity is active again, its past_due subscriptions active, and `entity.reactivated` is emitted.',
  middleware: [requireScope('admin')],
  request: {
    params: InvoiceParams,
    body: optionalJsonBody(MarkPaidBody),
  },
  responses: { 200: json(InvoiceSchema, 'Paid') },
});

type InvoiceRow = NonNullable<Awaited<ReturnType<typeof findInvoice>>>;
export const presentInvoice = (i: InvoiceRow) => ({
  id: i.id,
  organizationId: i.organizationId,
  entityId: i.entityId,
  customerId: i.customerId,
  kind: i.kind,
  number: i.number,
  status: i.status,
  currency: i.currency,
  periodStart: iso(i.periodStart),
  periodEnd: iso(i.periodEnd),
  subtotal: money(i.subtotal, i.currency),
  creditsApplied: money(i.creditsApplied, i.currency),
  total: money(i.total, i.currency),
  amountDue: money(i.amountDue, i.currency),
  amountPaid: money(i.amountPaid, i.currency),
  amountRefunded: money(i.amountRefunded, i.currency),
  amountRemaining: stillOwed(i),
  issuedAt: isoOrNull(i.issuedAt),
  dueAt: isoOrNull(i.dueAt),
  paidAt: isoOrNull(i.paidAt),
  voidedAt: isoOrNull(i.voidedAt),
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});

type LineRow = Awaited<ReturnType<typeof listInvoiceLines>>['page']['items'][number];
const presentLine = (currency: string) => (l: LineRow) => ({
  id: l.id,
  invoiceId: l.invoiceId,
  position: l.position,
  kind: l.kind,
  description: l.description,
  quantity: l.quantity.toString(),
  unitAmount: moneyOrNull(l.unitAmount, currency),
  fraction: lineFraction(l.metadata),
  amount: money(l.amount, currency),
  currency,
  periodStart: isoOrNull(l.periodStart),
  periodEnd: isoOrNull(l.periodEnd),
  metadata: l.metadata ?? null,
});

export function invoiceRoutes(deps: RouteDeps) {
  // After commit. A failure does not undo the settlement: the workflow's next attempt re-reads the invoice.
  const stopCollection = async (invoiceId: string, invoiceStatus: 'paid' | 'void') => {
    try {
      await notifyInvoiceSettled(deps.temporal, invoiceId, { invoiceStatus });
    } catch (err) {
      deps.log.warn({ err, invoiceId }, 'could not signal the collection workflow; its next attempt charges nothing');
    }
  };
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listInvoices(
        c.var.db,
        c.var.auth.organizationId,
        {
          entityId: q.entityId,
          status: q.status,
          periodStartFrom: q.periodStartFrom ? new Date(q.periodStartFrom) : undefined,
          periodStartTo: q.periodStartTo ? new Date(q.periodStartTo) : undefined,
        },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentInvoice), 200);
    })
    .openapi(readRoute, async (c) => {
      const invoice = await findInvoice(c.var.db, c.var.auth.organizationId, c.req.valid('param').invoiceId);
      if (!invoice) throw notFound('invoice');
      const reportingTotal = await invoiceReportingTotal(c.var.db, c.var.auth.organizationId, invoice);
      return c.json({ ...presentInvoice(invoice), reportingTotal }, 200);
    })
    .openapi(linesRoute, async (c) => {
      const { invoice, page } = await listInvoiceLines(
        c.var.db,
        c.var.auth.organizationId,
        c.req.valid('param').invoiceId,
        pageRequest(c.req.valid('query')),
      );
      return c.json(listResponse(page, presentLine(invoice.currency)), 200);
    })
    .openapi(htmlRoute, async (c) => {
      const doc = await invoiceDocument(c.var.db, c.var.auth.organizationId, c.req.valid('param').invoiceId);
      if (!doc) throw notFound('invoice');
      return c.html(renderInvoiceHtml(doc), 200);
    })
    .openapi(voidRoute, async (c) => {
      const { invoice, webhookEventIds } = await voidInvoice(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').invoiceId,
      );
      await deps.outbox.dispatch(webhookEventIds);
      await stopCollection(invoice.id, 'void');
      return c.json(presentInvoice(invoice), 200);
    })
    .openapi(markPaidRoute, async (c) => {
      const body = c.req.valid('json') ?? {};
      const { invoice, webhookEventIds } = await markInvoicePaidOutOfBand(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').invoiceId,
        { paidAt: body.paidAt ? new Date(body.paidAt) : undefined, reference: body.reference, method: body.method },
      );
      await deps.outbox.dispatch(webhookEventIds);
      await stopCollection(invoice.id, 'paid');
      return c.json(presentInvoice(invoice), 200);
    });
}
