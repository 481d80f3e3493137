// Payments and their attempts (per invoice, per entity), and a retry of an invoice's collection:
//   GET  /api/billing/payments?entityId=&invoiceId=&status=
//   GET  /api/billing/payments/{paymentId}
//   GET  /api/billing/invoices/{invoiceId}/payments
//   POST /api/billing/invoices/{invoiceId}/retry-payment   (signals the collection workflow; 409 while one runs)
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  findPayment,
  listInvoicePayments,
  listPayments,
  type PaymentWithAttempts,
} from '../../activities/payments/paymentQueries.js';
import { prepareRetry } from '../../activities/payments/retryPayment.js';
import { requestCollectionRetry } from '../../temporal/signalCollection.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { refuseCardData } from '../cardData.js';
import {
  apiRoute,
  iso,
  isoOrNull,
  json,
  money,
  NullableTimestamp,
  optionalJsonBody,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const PaymentStatus = z.enum(['pending', 'processing', 'succeeded', 'failed', 'canceled']);

const AttemptSchema = z
  .object({
    attempt: z.number().int().openapi({ example: 1 }),
    status: PaymentStatus.openapi({
      description:
        'pending: being charged; processing: the provider decides later (its webhook); then succeeded or failed',
    }),
    paymentMethod: z.string().nullable().openapi({ example: 'pm_card_visa' }),
    providerRef: z.string().nullable().openapi({ description: "The provider's object, e.g. a PaymentIntent id" }),
    idempotencyKey: z.string().nullable().openapi({ example: 'payment:0193...:1' }),
    errorCode: z.string().nullable().openapi({ example: 'card_declined' }),
    errorMessage: z.string().nullable(),
    decision: z
      .enum(['retry', 'customer_action'])
      .nullable()
      .openapi({
        description:
          'retry: the next scheduled attempt may succeed; customer_action: none will until the customer acts ' +
          '(authentication, a new card)',
      }),
    createdAt: Timestamp,
    completedAt: NullableTimestamp,
  })
  .openapi('PaymentAttempt');

const DisputeSummary = z
  .object({
    id: z.uuid(),
    status: z.enum(['open', 'won', 'lost']).openapi({
      description:
        'open until the provider closes it; won: the money stays; lost: the provider returned it to the payer',
    }),
    amount: z.string().openapi({ description: 'The disputed amount, in the payment currency', example: '49.00' }),
    reason: z.string().nullable().openapi({ description: "The provider's reason", example: 'fraudulent' }),
    openedAt: Timestamp,
    closedAt: NullableTimestamp,
  })
  .openapi('PaymentDispute');

export const PaymentSchema = z
  .object({
    id: z.uuid(),
    invoiceId: z.uuid().nullable(),
    entityId: z.uuid().nullable(),
    provider: z.string().openapi({ description: 'sandbox, stripe, or out_of_band (mark-paid)', example: 'stripe' }),
    status: PaymentStatus,
    amount: z.string().openapi({ example: '49.00' }),
    amountRefunded: z.string().openapi({ example: '0.00' }),
    currency: z.string(),
    paymentMethod: z.string().nullable(),
    providerRef: z.string().nullable(),
    attemptCount: z.number().int(),
    lastError: z.string().nullable(),
    disputed: z.boolean().openapi({ description: 'A dispute (chargeback) was opened at the provider' }),
    disputes: z.array(DisputeSummary),
    succeededAt: NullableTimestamp,
    createdAt: Timestamp,
    attempts: z.array(AttemptSchema),
  })
  .openapi('Payment');

const RetryBody = z
  .strictObject({
    paymentMethodId: z.uuid().optional().openapi({
      description: "Charge this attached payment method instead of the entity's default (for this attempt)",
    }),
  })
  .openapi('RetryPayment', { example: {} });

const RetryAccepted = z
  .object({
    invoiceId: z.uuid(),
    status: z.literal('retry_requested'),
    paymentMethod: z.string().nullable().openapi({ description: 'The token charged; null: the default' }),
  })
  .openapi('RetryPaymentAccepted');

const tags = ['Payments'];
const PaymentParams = z.object({ paymentId: z.uuid().openapi({ param: { name: 'paymentId', in: 'path' } }) });
const InvoiceParams = z.object({ invoiceId: z.uuid().openapi({ param: { name: 'invoiceId', in: 'path' } }) });

const listRoute = apiRoute({
  method: 'get',
  path: '/api/billing/payments',
  tags,
  summary: 'List payments with their attempts (filter by entity, invoice, status)',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({
      entityId: z.uuid().optional(),
      invoiceId: z.uuid().optional(),
      status: PaymentStatus.optional(),
    }),
  },
  responses: { 200: json(listSchema(PaymentSchema, 'PaymentList'), 'Payments') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/billing/payments/{paymentId}',
  tags,
  summary: 'Read a payment with its attempts and disputes',
  middleware: [requireScope('read')],
  request: { params: PaymentParams },
  responses: { 200: json(PaymentSchema, 'The payment') },
});
const invoicePaymentsRoute = apiRoute({
  method: 'get',
  path: '/api/billing/invoices/{invoiceId}/payments',
  tags,
  summary: "An invoice's payments with their attempts",
  middleware: [requireScope('read')],
  request: { params: InvoiceParams, query: ListQuery },
  responses: { 200: json(listSchema(PaymentSchema, 'InvoicePaymentList'), 'Payments') },
});
const retryRoute = apiRoute({
  method: 'post',
  path: '/api/billing/invoices/{invoiceId}/retry-payment',
  tags: ['Invoices', ...tags],
  summary: "Charge an open invoice now (its collection's next attempt)",
  description:
    "Signals the invoice's collection workflow (invoice:<invoiceId>), which charges at once with the entity's " +
    'default payment method or the one given, whatever its dunning schedule, also when the invoice is past due; a ' +
    'success marks it paid and ends the suspension past due caused. 409 PAYMENT_IN_PROGRESS while an attempt runs ' +
    '(being charged, or processing at the provider), 409 INVOICE_NOT_PAYABLE unless the invoice is open, 422 ' +
    'UNKNOWN_PAYMENT_METHOD for a method not attached to the entity. Answers 202: follow the outcome on ' +
    '`GET .../payments` or the `invoice.paid` / `invoice.payment_failed` webhooks.',
  middleware: [requireScope('admin'), refuseCardData],
  request: {
    params: InvoiceParams,
    body: optionalJsonBody(RetryBody),
  },
  responses: { 202: json(RetryAccepted, 'Retry requested') },
});

export function presentPayment(p: PaymentWithAttempts) {
  return {
    id: p.id,
    invoiceId: p.invoiceId,
    entityId: p.entityId,
    provider: p.provider,
    status: p.status,
    amount: money(p.amount, p.currency),
    amountRefunded: money(p.amountRefunded, p.currency),
    currency: p.currency,
    paymentMethod: p.paymentMethod,
    providerRef: p.providerRef,
    attemptCount: p.attemptCount,
    lastError: p.lastError,
    disputed: p.disputedAt !== null,
    disputes: p.disputes.map((d) => ({
      id: d.id,
      status: d.status,
      amount: money(d.amount, d.currency),
      reason: d.reason,
      openedAt: iso(d.openedAt),
      closedAt: isoOrNull(d.closedAt),
    })),
    succeededAt: isoOrNull(p.succeededAt),
    createdAt: iso(p.createdAt),
    attempts: p.attempts.map((a) => ({
      attempt: a.attemptNumber,
      status: a.status,
      paymentMethod: a.paymentMethod,
      providerRef: a.providerRef,
      idempotencyKey: a.idempotencyKey,
      errorCode: a.errorCode,
      errorMessage: a.errorMessage,
      decision: (a.decision as 'retry' | 'customer_action' | null) ?? null,
      createdAt: iso(a.createdAt),
      completedAt: isoOrNull(a.completedAt),
    })),
  };
}

export function paymentRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listPayments(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entityId, invoiceId: q.invoiceId, status: q.status },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentPayment), 200);
    })
    .openapi(readRoute, async (c) => {
      const payment = await findPayment(c.var.db, c.var.auth.organizationId, c.req.valid('param').paymentId);
      if (!payment) throw notFound('payment');
      return c.json(presentPayment(payment), 200);
    })
    .openapi(invoicePaymentsRoute, async (c) => {
      const page = await listInvoicePayments(
        c.var.db,
        c.var.auth.organizationId,
        c.req.valid('param').invoiceId,
        pageRequest(c.req.valid('query')),
      );
      return c.json(listResponse(page, presentPayment), 200);
    })
    .openapi(retryRoute, async (c) => {
      const body = c.req.valid('json') ?? {};
      const target = await prepareRetry(
        c.var.db,
        c.var.auth.organizationId,
        c.req.valid('param').invoiceId,
        body.paymentMethodId,
      );
      await requestCollectionRetry(deps.temporal, deps.taskQueue, target, { searchAttributes: deps.searchAttributes });
      return c.json(
        {
          invoiceId: target.invoiceId,
          status: 'retry_requested' as const,
          paymentMethod: target.paymentMethod ?? null,
        },
        202,
      );
    });
}
