// Payees of the marketplace: the freelancers, agencies and referral partners it pays out to, and their balances.
//   POST /api/marketplace/payees                     payout details as the payout provider's token only
//   GET  /api/marketplace/payees[/{payeeId}]
//   GET  /api/marketplace/payees/{payeeId}/balances  what the marketplace owes the payee, per currency
//   GET  /api/marketplace/payees/{payeeId}/statement the movements of a period as an HTML page
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { payeeStatement } from '../../activities/marketplace/payeeStatement.js';
import { createPayee, findPayee, listPayees, payeeBalances } from '../../activities/marketplace/payees.js';
import { BillingDecimal, formatAmount } from '../../domain/money.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { refuseCardData } from '../cardData.js';
import {
  AmountString,
  apiRoute,
  CurrencyCode,
  html,
  idParam,
  iso,
  isoDateTime,
  json,
  jsonBody,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { renderPayeeStatementHtml } from '../payeeStatementHtml.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Marketplace'];
const PayeeKind = z.enum(['freelancer', 'agency', 'referral_partner']);
const PayoutSchedule = z.enum(['on_demand', 'weekly', 'monthly']);

export const PayeeSchema = z
  .object({
    id: z.uuid(),
    kind: PayeeKind,
    name: z.string().openapi({ example: 'Ada Lovelace' }),
    externalRef: z.string().nullable().openapi({ example: 'freelancer-1042' }),
    payoutProvider: z.string().nullable().openapi({ example: 'sandbox' }),
    payoutToken: z
      .string()
      .nullable()
      .openapi({ description: "The payout provider's token of the payee's account", example: 'acct_sandbox_ok' }),
    payoutSchedule: PayoutSchedule,
    payoutMinimum: z.string().openapi({ description: 'In each currency the payee is paid in', example: '50.00' }),
    createdAt: Timestamp,
  })
  .openapi('Payee');

const NewPayee = z
  .strictObject({
    kind: PayeeKind,
    name: z.string().min(1).max(200).openapi({ example: 'Ada Lovelace' }),
    externalRef: z.string().min(1).max(200).nullable().optional().openapi({
      description: "The marketplace's own id of the payee, unique in the organization",
      example: 'freelancer-1042',
    }),
    payoutProvider: z.string().min(1).max(50).nullable().optional().openapi({ example: 'sandbox' }),
    payoutToken: z
      .string()
      .min(1)
      .max(255)
      .nullable()
      .optional()
      .openapi({
        description:
          "The payout provider's token of the payee's account (a Stripe Connect acct_..., a sandbox token): never bank " +
          'or card numbers. Given together with payoutProvider (422 PAYOUT_DETAILS_INCOMPLETE otherwise)',
        example: 'acct_sandbox_ok',
      }),
    payoutSchedule: PayoutSchedule.optional().openapi({ description: 'Default weekly' }),
    payoutMinimum: AmountString.optional().openapi({
      description: 'No payout below this amount (default 0)',
      example: '50.00',
    }),
  })
  .openapi('NewPayee');

const PayeeBalance = z
  .object({
    currency: z.string().openapi({ example: 'USD' }),
    balance: z.string().openapi({
      description: 'What the marketplace owes the payee; negative when refunds clawed back more than it held',
      example: '1030.00',
    }),
  })
  .openapi('PayeeBalance');

const createRoute = apiRoute({
  method: 'post',
  path: '/api/marketplace/payees',
  tags,
  summary: 'Create a payee: a freelancer, agency or referral partner the marketplace pays out to',
  middleware: [requireScope('admin'), refuseCardData],
  request: {
    body: jsonBody(NewPayee, {
      kind: 'freelancer',
      name: 'Ada Lovelace',
      externalRef: null,
      payoutProvider: 'sandbox',
      payoutToken: 'acct_sandbox_ok',
      payoutSchedule: 'weekly',
      payoutMinimum: '50.00',
    }),
  },
  responses: { 201: json(PayeeSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/payees',
  tags,
  summary: 'List payees',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ kind: PayeeKind.optional() }) },
  responses: { 200: json(listSchema(PayeeSchema, 'PayeeList'), 'Payees') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/payees/{payeeId}',
  tags,
  summary: 'Read a payee',
  middleware: [requireScope('read')],
  request: { params: idParam('payeeId') },
  responses: { 200: json(PayeeSchema, 'The payee') },
});
const balancesRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/payees/{payeeId}/balances',
  tags,
  summary: "A payee's balances, one per currency: the sum of its ledger postings",
  middleware: [requireScope('read')],
  request: { params: idParam('payeeId') },
  responses: {
    200: json(
      z.object({ payeeId: z.uuid(), balances: z.array(PayeeBalance) }).openapi('PayeeBalances'),
      'The balances (empty before the first payment)',
    ),
  },
});

const statementRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/payees/{payeeId}/statement',
  tags,
  summary: "A payee's statement for a period, as a printable HTML page",
  description:
    "The payee's balance at `from`, every movement of it in [from, to) (earnings, referral shares, refunds clawed " +
    'back, payouts and returned payouts) and the balance at `to`, in one currency, from the ledger. 422 ' +
    'INVALID_RANGE unless `from` is before `to`.',
  middleware: [requireScope('read')],
  request: {
    params: idParam('payeeId'),
    query: z.object({
      currency: CurrencyCode.optional().openapi({
        description: "Default: the first currency of the payee's balances (USD when it has none)",
      }),
      from: isoDateTime({ offset: true })
        .optional()
        .openapi({ description: 'Default: the start of the current month (UTC)', example: '2026-12-01T00:00:00Z' }),
      to: isoDateTime({ offset: true })
        .optional()
        .openapi({ description: 'Default: the start of the next month (UTC)', example: '2027-01-01T00:00:00Z' }),
    }),
  },
  responses: { 200: html('The statement') },
});

type PayeeRow = NonNullable<Awaited<ReturnType<typeof findPayee>>>;
const present = (p: PayeeRow) => ({
  id: p.id,
  kind: p.kind,
  name: p.name,
  externalRef: p.externalRef,
  payoutProvider: p.payoutProvider,
  payoutToken: p.payoutToken,
  payoutSchedule: p.payoutSchedule,
  // In each currency the payee is paid in, so no currency of its own: shown with at least two decimals.
  payoutMinimum: formatAmount(new BillingDecimal(p.payoutMinimum.toString()), 2),
  createdAt: iso(p.createdAt),
});

export function payeeRoutes(_deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const payee = await createPayee(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(payee), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listPayees(c.var.db, c.var.auth.organizationId, { kind: q.kind }, pageRequest(q));
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const payee = await findPayee(c.var.db, c.var.auth.organizationId, c.req.valid('param').payeeId);
      if (!payee) throw notFound('payee');
      return c.json(present(payee), 200);
    })
    .openapi(balancesRoute, async (c) => {
      const { payeeId } = c.req.valid('param');
      if (!(await findPayee(c.var.db, c.var.auth.organizationId, payeeId))) throw notFound('payee');
      const balances = await payeeBalances(c.var.db, c.var.auth.organizationId, payeeId);
      return c.json({ payeeId, balances }, 200);
    })
    .openapi(statementRoute, async (c) => {
      const q = c.req.valid('query');
      const { payeeId } = c.req.valid('param');
      const organizationId = c.var.auth.organizationId;
      if (!(await findPayee(c.var.db, organizationId, payeeId))) throw notFound('payee');
      const now = new Date();
      const from = q.from ? new Date(q.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const to = q.to ? new Date(q.to) : new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      const currency = q.currency ?? (await payeeBalances(c.var.db, organizationId, payeeId))[0]?.currency ?? 'USD';
      if (from >= to) {
        throw new ProblemError(422, 'INVALID_RANGE', 'Invalid range', '`from` must be before `to`', [
          { path: 'to', message: 'must be after from' },
        ]);
      }
      const statement = await payeeStatement(c.var.db, organizationId, payeeId, { currency, from, to });
      if (!statement) throw notFound('payee');
      return c.html(renderPayeeStatementHtml(statement), 200);
    });
}
