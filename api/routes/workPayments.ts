// Work payments: a client entity pays for a contract, milestone or hourly period; the platform charges it through the
// payment provider, keeps the commission, splits the rest and records it all on the double-entry ledger.
//   POST /api/marketplace/work-payments                              charge and allocate (Idempotency-Key: the payment's key)
//   GET  /api/marketplace/work-payments[/{workPaymentId}]
//   GET  /api/marketplace/work-payments/{workPaymentId}/ledger       the ledger transactions it posted
//   POST /api/marketplace/work-payments/{workPaymentId}/refunds      all or part back to the client; shares clawed back
import { randomUUID } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  findWorkPayment,
  listWorkPayments,
  type WorkPaymentWithRefunds,
  workPaymentLedger,
} from '../../activities/marketplace/workPaymentQueries.js';
import { refundWorkPayment } from '../../activities/marketplace/workPaymentRefunds.js';
import { createWorkPayment, type StoredLine } from '../../activities/marketplace/workPayments.js';
import { startPayoutWorkflow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { refuseCardData } from '../cardData.js';
import {
  AmountString,
  apiRoute,
  CurrencyCode,
  idParam,
  iso,
  isoOrNull,
  json,
  jsonBody,
  money,
  moneyOrNull,
  NullableTimestamp,
  optionalJsonBody,
  paymentFailed,
  problem,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Marketplace'];
const Status = z.enum(['pending', 'processing', 'succeeded', 'failed']).openapi({
  description:
    'pending: not yet answered by the provider (repeat the request with the same Idempotency-Key); processing: the ' +
    'provider decides later; succeeded: charged and on the ledger; failed: refused, nothing posted',
});
const LineKind = z.enum(['marketplace_revenue', 'payee_earnings', 'referral_share']);
const Line = z
  .object({
    kind: LineKind,
    payeeId: z.uuid().nullable().openapi({ description: "null for the marketplace's own revenue" }),
    amount: z.string().openapi({ example: '1030.00' }),
  })
  .openapi('WorkPaymentLine');

const Refund = z
  .object({
    id: z.uuid(),
    amount: z.string().openapi({ example: '100.00' }),
    status: z.enum(['pending', 'succeeded', 'failed']),
    failureCode: z.string().nullable().openapi({ example: null }),
    createdAt: Timestamp,
    succeededAt: NullableTimestamp,
  })
  .openapi('WorkPaymentRefund');

const WorkPaymentSchema = z
  .object({
    id: z.uuid(),
    entityId: z.uuid().openapi({ description: 'The paying client entity' }),
    payeeId: z.uuid().openapi({ description: 'The freelancer the work was done by' }),
    kind: z.enum(['contract', 'milestone', 'hourly']),
    reference: z.string().openapi({ example: 'milestone-3' }),
    amount: z.string().openapi({ example: '1200.00' }),
    currency: z.string().openapi({ example: 'USD' }),
    commissionPlanId: z.uuid(),
    payeeSplitRuleId: z.uuid().nullable(),
    commissionSplitRuleId: z.uuid().nullable(),
    status: Status,
    provider: z.string().openapi({ example: 'sandbox' }),
    failureCode: z.string().nullable().openapi({ example: null }),
    commission: z.string().nullable().openapi({ description: 'Before referral shares', example: '170.00' }),
    lines: z.array(Line).openapi({ description: 'Where the payment went, summing to `amount` exactly' }),
    amountRefunded: z.string().openapi({ example: '0.00' }),
    refunds: z.array(Refund),
    createdAt: Timestamp,
    succeededAt: NullableTimestamp,
  })
  .openapi('WorkPayment');

const Posting = z
  .object({
    account: z
      .string()
      .openapi({ description: 'The account: <kind>[:<payeeId>]:<currency>', example: 'client_receivable:USD' }),
    accountKind: z.enum([
      'client_receivable',
      'payment_clearing',
      'marketplace_revenue',
      'payee_payable',
      'payouts_in_transit',
      'refunds',
    ]),
    payeeId: z.uuid().nullable(),
    amount: z.string().openapi({ description: 'Debit positive, credit negative', example: '1200.00' }),
  })
  .openapi('LedgerPosting');
const Transaction = z
  .object({
    id: z.uuid(),
    kind: z.string().openapi({ example: 'work_payment' }),
    currency: z.string().openapi({ example: 'USD' }),
    description: z.string().openapi({ example: 'Work payment milestone-3' }),
    postings: z.array(Posting).openapi({ description: 'Summing to zero' }),
    createdAt: Timestamp,
  })
  .openapi('LedgerTransaction');

const RefundResult = z
  .object({ replayed: z.boolean(), refundId: z.uuid(), workPayment: WorkPaymentSchema })
  .openapi('WorkPaymentRefundResult');

const NewWorkPayment = z
  .strictObject({
    entityId: z.uuid().openapi({ description: 'The paying client entity' }),
    payeeId: z.uuid().openapi({ description: 'The freelancer the work was done by (with the entity: the pair)' }),
    kind: z.enum(['contract', 'milestone', 'hourly']),
    reference: z.string().min(1).max(200).openapi({ example: 'milestone-3' }),
    amount: AmountString.openapi({
      description: 'Positive, in whole minor units of the currency (422 INVALID_WORK_PAYMENT otherwise)',
      example: '1200.00',
    }),
    currency: CurrencyCode.openapi({ description: "The commission plan's currency" }),
    commissionPlanId: z.uuid(),
    payeeSplitRuleId: z.uuid().nullable().optional().openapi({
      description: 'A payee_amount rule splitting what the payees get (default: all to payeeId)',
    }),
    commissionSplitRuleId: z.uuid().nullable().optional().openapi({
      description: "A commission rule sharing the marketplace's commission (a referrer's share)",
    }),
    paymentMethod: z.string().min(1).max(255).nullable().optional().openapi({
      description: "A provider token to charge instead of the entity's default payment method",
      example: 'pm_card_ok',
    }),
  })
  .openapi('NewWorkPayment');

const EXAMPLE_ID = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70';

const createRoute = apiRoute({
  method: 'post',
  path: '/api/marketplace/work-payments',
  tags,
  summary: 'Charge a client entity for work and record the commission, shares and payee earnings on the ledger',
  description:
    'Charges the entity through the payment provider (its default payment method, or `paymentMethod`), then ' +
    'computes the commission under the plan from the lifetime billings of the entity-payee pair, applies the split ' +
    'rules and posts the whole movement to the double-entry ledger (client receivable, payment clearing, marketplace ' +
    'revenue, payee payable). Idempotent on the Idempotency-Key: the same key and request answers the recorded payment ' +
    '(`replayed: true`), another request under it is 409 IDEMPOTENCY_KEY_CONFLICT. Checked before the charge: 422 ' +
    'UNKNOWN_ENTITY, UNKNOWN_PAYEE, UNKNOWN_COMMISSION_PLAN, UNKNOWN_SPLIT_RULE, SPLIT_RULE_BASE_MISMATCH, ' +
    'SPLIT_RULE_NOT_IN_FORCE, INVALID_WORK_PAYMENT (another currency than the plan, or finer than its minor unit). ' +
    '402 PAYMENT_FAILED when the provider refuses (recorded as failed, nothing posted); 503 ' +
    'PAYMENT_PROVIDER_UNAVAILABLE when it does not answer (repeat with the same key: the provider is asked again with ' +
    'the same key, never charged twice).',
  middleware: [requireScope('admin'), refuseCardData],
  idempotency: 'resource',
  request: {
    body: jsonBody(NewWorkPayment, {
      entityId: EXAMPLE_ID,
      payeeId: EXAMPLE_ID,
      kind: 'milestone',
      reference: 'milestone-3',
      amount: '1200.00',
      currency: 'USD',
      commissionPlanId: EXAMPLE_ID,
      payeeSplitRuleId: null,
      commissionSplitRuleId: null,
      paymentMethod: 'pm_card_ok',
    }),
  },
  responses: {
    200: json(z.object({ replayed: z.boolean(), workPayment: WorkPaymentSchema }), 'The payment recorded earlier'),
    201: json(
      z.object({ replayed: z.boolean(), workPayment: WorkPaymentSchema }).openapi('WorkPaymentResult'),
      'Charged and allocated (or processing)',
    ),
    402: paymentFailed,
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
  path: '/api/marketplace/work-payments',
  tags,
  summary: 'List work payments (by entity, payee, status)',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({ entityId: z.uuid().optional(), payeeId: z.uuid().optional(), status: Status.optional() }),
  },
  responses: { 200: json(listSchema(WorkPaymentSchema, 'WorkPaymentList'), 'Work payments') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/work-payments/{workPaymentId}',
  tags,
  summary: 'Read a work payment',
  middleware: [requireScope('read')],
  request: { params: idParam('workPaymentId') },
  responses: { 200: json(WorkPaymentSchema, 'The work payment') },
});
const ledgerRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/work-payments/{workPaymentId}/ledger',
  tags,
  summary: 'The ledger transactions a work payment posted (each balancing to zero)',
  middleware: [requireScope('read')],
  request: { params: idParam('workPaymentId') },
  responses: {
    200: json(z.object({ data: z.array(Transaction) }).openapi('LedgerTransactions'), 'Oldest first'),
  },
});
const refundRoute = apiRoute({
  method: 'post',
  path: '/api/marketplace/work-payments/{workPaymentId}/refunds',
  tags,
  summary: 'Refund all or part of a work payment; every share of it is clawed back in proportion',
  description:
    "Returns money to the client through the payment provider and takes back each line's share of it (revenue, " +
    'payee earnings, referral shares; a payee balance may go negative and is carried). Idempotent on the ' +
    'Idempotency-Key per work payment. 409 WORK_PAYMENT_NOT_REFUNDABLE unless it succeeded; 422 REFUND_EXCEEDS_PAID ' +
    'beyond what was paid minus earlier refunds; 402 REFUND_FAILED when the provider refuses (recorded, nothing ' +
    'posted); 503 PAYMENT_PROVIDER_UNAVAILABLE when it does not answer (repeat with the same key).',
  middleware: [requireScope('admin')],
  idempotency: 'resource',
  request: {
    params: idParam('workPaymentId'),
    body: optionalJsonBody(
      z
        .strictObject({
          amount: AmountString.optional().openapi({
            description: 'Default: everything still refundable',
            example: '100.00',
          }),
        })
        .openapi('NewWorkPaymentRefund'),
      { amount: '100.00' },
    ),
  },
  responses: {
    200: json(RefundResult, 'The refund made earlier with this Idempotency-Key'),
    201: json(RefundResult, 'Refunded'),
    402: problem('The provider refused (REFUND_FAILED)', {
      status: 402,
      code: 'REFUND_FAILED',
      title: 'Refund failed',
      detail: 'Refund 0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70: charge_already_refunded',
    }),
  },
});

const present = (w: WorkPaymentWithRefunds) => ({
  id: w.id,
  entityId: w.entityId,
  payeeId: w.payeeId,
  kind: w.kind,
  reference: w.reference,
  amount: money(w.amount, w.currency),
  currency: w.currency,
  commissionPlanId: w.commissionPlanId,
  payeeSplitRuleId: w.payeeSplitRuleId,
  commissionSplitRuleId: w.commissionSplitRuleId,
  status: w.status,
  provider: w.provider,
  failureCode: w.failureCode,
  commission: moneyOrNull(w.commission, w.currency),
  lines: ((w.allocation ?? []) as unknown as StoredLine[]).map((l) => ({ ...l, amount: money(l.amount, w.currency) })),
  amountRefunded: money(w.amountRefunded, w.currency),
  refunds: w.refunds.map((r) => ({
    id: r.id,
    amount: money(r.amount, r.currency),
    status: r.status,
    failureCode: r.failureCode,
    createdAt: iso(r.createdAt),
    succeededAt: isoOrNull(r.succeededAt),
  })),
  createdAt: iso(w.createdAt),
  succeededAt: isoOrNull(w.succeededAt),
});

const resourceKey = (c: Context<AuthEnv>) => c.var.idempotencyKey ?? randomUUID();

export function workPaymentRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const done = await createWorkPayment(c.var.db, deps.paymentProvider, actorOf(c), organizationId, {
        ...c.req.valid('json'),
        idempotencyKey: resourceKey(c),
      });
      await deps.outbox.dispatch(done.webhookEventIds);
      const payment = (await findWorkPayment(c.var.db, organizationId, done.workPaymentId))!;
      if (payment.status === 'failed') {
        throw new ProblemError(
          402,
          'PAYMENT_FAILED',
          'Payment failed',
          `Work payment ${payment.id}: ${payment.failureCode ?? 'refused'}: ${payment.failureMessage ?? ''}`.trim(),
        );
      }
      // Each payee with money on its balance now has its payout:<payeeId> running (a replay makes sure of it too).
      if (payment.status === 'succeeded') {
        const payees = new Set(((payment.allocation ?? []) as unknown as StoredLine[]).flatMap((l) => l.payeeId ?? []));
        for (const id of payees) await startPayoutWorkflow(deps, { id, organizationId });
      }
      return c.json({ replayed: done.replayed, workPayment: present(payment) }, done.replayed ? 200 : 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listWorkPayments(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entityId, payeeId: q.payeeId, status: q.status },
        pageRequest(q),
      );
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const payment = await findWorkPayment(c.var.db, c.var.auth.organizationId, c.req.valid('param').workPaymentId);
      if (!payment) throw notFound('work payment');
      return c.json(present(payment), 200);
    })
    .openapi(ledgerRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const { workPaymentId } = c.req.valid('param');
      if (!(await findWorkPayment(c.var.db, organizationId, workPaymentId))) throw notFound('work payment');
      const transactions = await workPaymentLedger(c.var.db, organizationId, workPaymentId);
      return c.json(
        {
          data: transactions.map((t) => ({
            id: t.id,
            kind: t.kind,
            currency: t.currency,
            description: t.description,
            postings: t.postings.map((p) => ({
              account: p.account.key,
              accountKind: p.account.kind,
              payeeId: p.account.payeeId,
              amount: money(p.amount, p.currency),
            })),
            createdAt: iso(t.createdAt),
          })),
        },
        200,
      );
    })
    .openapi(refundRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const { workPaymentId } = c.req.valid('param');
      const done = await refundWorkPayment(c.var.db, deps.paymentProvider, actorOf(c), organizationId, workPaymentId, {
        amount: c.req.valid('json').amount,
        idempotencyKey: resourceKey(c),
      });
      await deps.outbox.dispatch(done.webhookEventIds);
      const payment = (await findWorkPayment(c.var.db, organizationId, workPaymentId))!;
      const refund = payment.refunds.find((r) => r.id === done.refundId);
      if (refund?.status === 'failed') {
        throw new ProblemError(
          402,
          'REFUND_FAILED',
          'Refund failed',
          `Refund ${refund.id}: ${refund.failureCode ?? 'refused'}: ${refund.failureMessage ?? ''}`.trim(),
        );
      }
      return c.json(
        { replayed: done.replayed, refundId: done.refundId, workPayment: present(payment) },
        done.replayed ? 200 : 201,
      );
    });
}
