// Refunds and credit notes: what was returned, and the documents that say so.
//   POST /api/billing/invoices/{invoiceId}/refunds        all or part of a paid invoice, through the payment provider
//   GET  /api/billing/refunds[/{refundId}]                the ledger of refunds (by entity, invoice, status)
//   GET  /api/billing/credit-notes[/{creditNoteId}[/html]] numbered per organization like invoices
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { refundInvoice } from '../../activities/refunds/refundInvoice.js';
import {
  creditNoteDocument,
  findCreditNote,
  findRefund,
  listCreditNotes,
  listRefunds,
  type RefundWithNote,
} from '../../activities/refunds/refundQueries.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { refuseCardData } from '../cardData.js';
import { renderCreditNoteHtml } from '../creditNoteHtml.js';
import {
  AmountString,
  apiRoute,
  html,
  iso,
  isoOrNull,
  json,
  jsonBody,
  money,
  NullableTimestamp,
  problem,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const RefundStatus = z.enum(['pending', 'succeeded', 'failed']);

export const RefundSchema = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid(),
    paymentId: z.uuid(),
    entityId: z.uuid(),
    kind: z.enum(['invoice', 'downgrade_credit', 'duplicate_charge']).openapi({
      description:
        "invoice: asked for through the API; downgrade_credit: a downgrade's credit refunded in cash; " +
        'duplicate_charge: a charge that succeeded on an invoice already settled another way, returned in full',
    }),
    amount: z.string().openapi({ example: '10.00' }),
    currency: z.string().openapi({ example: 'USD' }),
    status: RefundStatus.openapi({
      description:
        'pending: not yet answered, or accepted by the provider and not yet paid out (then it has its credit note); ' +
        'succeeded; failed (no credit note)',
    }),
    provider: z
      .string()
      .openapi({ description: 'sandbox, stripe, or out_of_band (an invoice marked paid)', example: 'stripe' }),
    providerRef: z
      .string()
      .nullable()
      .openapi({ description: "The provider's refund", example: 're_3PgafuB7WZ01zgkW0x8aY2Qd' }),
    reason: z.string().nullable().openapi({ example: 'requested_by_customer' }),
    failureCode: z.string().nullable().openapi({
      description:
        'Why the provider refused (failed refunds): its code, e.g. amount_too_large, charge_already_refunded',
      example: null,
    }),
    creditNote: z.object({ id: z.uuid(), number: z.number().int() }).nullable(),
    createdAt: Timestamp,
    succeededAt: NullableTimestamp,
  })
  .openapi('Refund');

export const CreditNoteSchema = z
  .object({
    id: z.uuid(),
    number: z.number().int().openapi({ description: 'Sequential per organization, without gaps', example: 1 }),
    invoiceId: z.uuid(),
    invoiceNumber: z.number().int().nullable(),
    entityId: z.uuid(),
    refundId: z.uuid(),
    amount: z.string().openapi({ example: '10.00' }),
    currency: z.string().openapi({ example: 'USD' }),
    reason: z.string().openapi({ example: 'requested_by_customer' }),
    description: z.string().openapi({ example: 'Refund on invoice 12' }),
    issuedAt: Timestamp,
  })
  .openapi('CreditNote');

const RefundBody = z
  .strictObject({
    amount: AmountString.optional().openapi({
      description:
        "Default: everything still refundable. In the invoice's currency, at most its minor unit's decimals; more " +
        'than was paid minus earlier refunds is 422 REFUND_EXCEEDS_PAID',
      example: '10.00',
    }),
    reason: z.enum(['requested_by_customer', 'duplicate', 'fraudulent']).optional(),
    idempotencyKey: z
      .string()
      .min(1)
      .max(255)
      .openapi({ description: 'Unique per invoice: the same key returns the same refund', example: 'refund-42' }),
  })
  .openapi('NewRefund', { example: { amount: '10.00', reason: 'requested_by_customer', idempotencyKey: 'refund-42' } });

const tags = ['Payments'];
const InvoiceParams = z.object({ invoiceId: z.uuid().openapi({ param: { name: 'invoiceId', in: 'path' } }) });
const RefundParams = z.object({ refundId: z.uuid().openapi({ param: { name: 'refundId', in: 'path' } }) });
const NoteParams = z.object({ creditNoteId: z.uuid().openapi({ param: { name: 'creditNoteId', in: 'path' } }) });

const createRoute = apiRoute({
  method: 'post',
  path: '/api/billing/invoices/{invoiceId}/refunds',
  tags: ['Invoices', ...tags],
  summary: 'Refund all or part of a paid invoice through the payment provider',
  description:
    'Returns the money through the payment that paid the invoice (out of band for one marked paid) and issues a ' +
    'credit note, numbered per organization. 409 INVOICE_NOT_REFUNDABLE unless the invoice is paid; 422 ' +
    'REFUND_EXCEEDS_PAID beyond what was paid minus earlier refunds; 402 REFUND_FAILED when the provider refuses ' +
    '(the refund is recorded as failed); 503 PAYMENT_PROVIDER_UNAVAILABLE when the provider does not answer (retry ' +
    'the same request: the same refund is asked for again, never a second one).',
  middleware: [requireScope('admin'), refuseCardData],
  request: { params: InvoiceParams, body: jsonBody(RefundBody) },
  responses: {
    200: json(RefundSchema, 'The refund made earlier with this idempotency key'),
    201: json(RefundSchema, 'Refunded (or accepted by the provider, status pending)'),
    402: problem('The provider refused (REFUND_FAILED)', {
      status: 402,
      code: 'REFUND_FAILED',
      title: 'Refund failed',
      detail: 'Refund 0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70: charge_already_refunded: the charge was refunded already',
    }),
    503: problem('The provider did not answer (PAYMENT_PROVIDER_UNAVAILABLE)', {
      status: 503,
      code: 'PAYMENT_PROVIDER_UNAVAILABLE',
      title: 'Payment provider unavailable',
      detail: 'The payment provider did not answer; retry the request with the same Idempotency-Key',
    }),
  },
});
const listRoute = apiRoute({
  method: 'get',
  path: '/api/billing/refunds',
  tags,
  summary: 'The ledger of refunds: what was returned, per entity or invoice',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({
      entityId: z.uuid().optional(),
      invoiceId: z.uuid().optional(),
      status: RefundStatus.optional(),
    }),
  },
  responses: { 200: json(listSchema(RefundSchema, 'RefundList'), 'Refunds') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/billing/refunds/{refundId}',
  tags,
  summary: 'Read a refund',
  middleware: [requireScope('read')],
  request: { params: RefundParams },
  responses: { 200: json(RefundSchema, 'The refund') },
});
const notesRoute = apiRoute({
  method: 'get',
  path: '/api/billing/credit-notes',
  tags,
  summary: 'List credit notes',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ entityId: z.uuid().optional(), invoiceId: z.uuid().optional() }) },
  responses: { 200: json(listSchema(CreditNoteSchema, 'CreditNoteList'), 'Credit notes') },
});
const noteRoute = apiRoute({
  method: 'get',
  path: '/api/billing/credit-notes/{creditNoteId}',
  tags,
  summary: 'Read a credit note',
  middleware: [requireScope('read')],
  request: { params: NoteParams },
  responses: { 200: json(CreditNoteSchema, 'The credit note') },
});
const noteHtmlRoute = apiRoute({
  method: 'get',
  path: '/api/billing/credit-notes/{creditNoteId}/html',
  tags,
  summary: 'The credit note as a printable HTML page',
  middleware: [requireScope('read')],
  request: { params: NoteParams },
  responses: { 200: html('HTML') },
});

export const presentRefund = (r: RefundWithNote) => ({
  id: r.id,
  invoiceId: r.invoiceId,
  paymentId: r.paymentId,
  entityId: r.entityId,
  kind: r.kind,
  amount: money(r.amount, r.currency),
  currency: r.currency,
  status: r.status,
  provider: r.provider,
  providerRef: r.providerRef,
  reason: r.reason,
  failureCode: r.failureCode,
  creditNote: r.creditNote ? { id: r.creditNote.id, number: r.creditNote.number } : null,
  createdAt: iso(r.createdAt),
  succeededAt: isoOrNull(r.succeededAt),
});

type NoteRow = NonNullable<Awaited<ReturnType<typeof findCreditNote>>>;
const presentNote = (n: NoteRow) => ({
  id: n.id,
  number: n.number,
  invoiceId: n.invoiceId,
  invoiceNumber: n.invoice.number,
  entityId: n.entityId,
  refundId: n.refundId,
  amount: money(n.amount, n.currency),
  currency: n.currency,
  reason: n.reason,
  description: n.description,
  issuedAt: iso(n.issuedAt),
});

export function refundRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const done = await refundInvoice(
        c.var.db,
        deps.paymentProvider,
        actorOf(c),
        organizationId,
        c.req.valid('param').invoiceId,
        c.req.valid('json'),
      );
      await deps.outbox.dispatch(done.webhookEventIds);
      const refund = (await findRefund(c.var.db, organizationId, done.refund.id))!;
      if (refund.status === 'failed') {
        throw new ProblemError(
          402,
          'REFUND_FAILED',
          'Refund failed',
          `Refund ${refund.id}: ${refund.failureCode ?? 'refused'}: ${refund.failureMessage ?? ''}`.trim(),
        );
      }
      return c.json(presentRefund(refund), done.replayed ? 200 : 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listRefunds(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entityId, invoiceId: q.invoiceId, status: q.status },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentRefund), 200);
    })
    .openapi(readRoute, async (c) => {
      const refund = await findRefund(c.var.db, c.var.auth.organizationId, c.req.valid('param').refundId);
      if (!refund) throw notFound('refund');
      return c.json(presentRefund(refund), 200);
    })
    .openapi(notesRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listCreditNotes(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entityId, invoiceId: q.invoiceId },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentNote), 200);
    })
    .openapi(noteRoute, async (c) => {
      const note = await findCreditNote(c.var.db, c.var.auth.organizationId, c.req.valid('param').creditNoteId);
      if (!note) throw notFound('credit note');
      return c.json(presentNote(note), 200);
    })
    .openapi(noteHtmlRoute, async (c) => {
      const doc = await creditNoteDocument(c.var.db, c.var.auth.organizationId, c.req.valid('param').creditNoteId);
      if (!doc) throw notFound('credit note');
      return c.html(renderCreditNoteHtml(doc), 200);
    });
}
