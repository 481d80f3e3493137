// Payouts of payees (payout:<payeeId>, workflows/payoutWorkflow.ts) and the organization's security hold.
//   GET   /api/marketplace/payouts[/{payoutId}]           payouts made, in transit, paid or failed
//   POST  /api/marketplace/payees/{payeeId}/pay-now       pay what is available now (an on_demand payee)
//   GET   /api/marketplace/settings, PATCH                the security hold (payoutHoldDays)
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAuditNow } from '../../activities/auditLog.js';
import {
  readMarketplaceSettings,
  updateMarketplaceSettings,
} from '../../activities/marketplace/marketplaceSettings.js';
import { findPayee } from '../../activities/marketplace/payees.js';
import { findPayout, listPayouts, type PayoutRow } from '../../activities/marketplace/payoutQueries.js';
import { payoutWorkflowId } from '../../temporal/workflowIds.js';
import { signalPayNow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  apiRoute,
  idParam,
  iso,
  isoOrNull,
  json,
  jsonBody,
  money,
  NullableTimestamp,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Marketplace'];
const PayoutStatus = z.enum(['in_transit', 'paid', 'failed']).openapi({
  description:
    "in_transit: its money left the payee's balance and the provider is being asked (retried after 1 h, 6 h, 1 day " +
    "when it refuses for now); paid; failed: refused for good, its money back on the payee's balance",
});

const PayoutSchema = z
  .object({
    id: z.uuid(),
    payeeId: z.uuid(),
    amount: z.string().openapi({ example: '1030.00' }),
    currency: z.string().openapi({ example: 'USD' }),
    status: PayoutStatus,
    provider: z.string().openapi({ example: 'sandbox' }),
    attempts: z.number().int().openapi({ example: 2 }),
    failureCode: z.string().nullable().openapi({ example: null }),
    createdAt: Timestamp,
    paidAt: NullableTimestamp,
    failedAt: NullableTimestamp,
  })
  .openapi('Payout');

const SettingsSchema = z
  .object({
    payoutHoldDays: z.number().int().openapi({
      description: "Days a payee's earnings stay pending (the security hold) before they can be paid out",
      example: 5,
    }),
  })
  .openapi('MarketplaceSettings');

const listRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/payouts',
  tags,
  summary: 'List payouts (by payee, status)',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ payeeId: z.uuid().optional(), status: PayoutStatus.optional() }) },
  responses: { 200: json(listSchema(PayoutSchema, 'PayoutList'), 'Payouts') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/payouts/{payoutId}',
  tags,
  summary: 'Read a payout',
  middleware: [requireScope('read')],
  request: { params: idParam('payoutId') },
  responses: { 200: json(PayoutSchema, 'The payout') },
});
const payNowRoute = apiRoute({
  method: 'post',
  path: '/api/marketplace/payees/{payeeId}/pay-now',
  tags,
  summary: "Pay out the payee's available balance now",
  description:
    'Signals payout:<payeeId> (starting it if it is not running) to pay, in each currency, what is available now: ' +
    'earnings past the security hold, net of a negative balance, if at least the payee’s minimum. Answers when ' +
    'Temporal accepted the signal; the payout shows in GET /api/marketplace/payouts (and payout.* webhooks).',
  middleware: [requireScope('admin')],
  request: { params: idParam('payeeId') },
  responses: {
    202: json(z.object({ workflowId: z.string(), accepted: z.literal(true) }).openapi('PayNowAccepted'), 'Signalled'),
  },
});
const settingsRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/settings',
  tags,
  summary: "The organization's marketplace settings (the security hold)",
  middleware: [requireScope('read')],
  request: {},
  responses: { 200: json(SettingsSchema, 'Settings') },
});
const updateSettingsRoute = apiRoute({
  method: 'patch',
  path: '/api/marketplace/settings',
  tags,
  summary: "Change the organization's marketplace settings",
  middleware: [requireScope('admin')],
  request: {
    body: jsonBody(
      z
        .strictObject({ payoutHoldDays: z.number().int().min(0).max(90).optional() })
        .openapi('MarketplaceSettingsPatch'),
      { payoutHoldDays: 7 },
    ),
  },
  responses: { 200: json(SettingsSchema, 'Settings') },
});

const present = (p: PayoutRow) => ({
  id: p.id,
  payeeId: p.payeeId,
  amount: money(p.amount, p.currency),
  currency: p.currency,
  status: p.status,
  provider: p.provider,
  attempts: p.attempts,
  failureCode: p.failureCode,
  createdAt: iso(p.createdAt),
  paidAt: isoOrNull(p.paidAt),
  failedAt: isoOrNull(p.failedAt),
});

export function payoutRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listPayouts(
        c.var.db,
        c.var.auth.organizationId,
        { payeeId: q.payeeId, status: q.status },
        pageRequest(q),
      );
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const payout = await findPayout(c.var.db, c.var.auth.organizationId, c.req.valid('param').payoutId);
      if (!payout) throw notFound('payout');
      return c.json(present(payout), 200);
    })
    .openapi(payNowRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const payee = await findPayee(c.var.db, organizationId, c.req.valid('param').payeeId);
      if (!payee) throw notFound('payee');
      await signalPayNow(deps, { id: payee.id, organizationId });
      await recordAuditNow(c.var.db, actorOf(c), {
        organizationId,
        action: 'payee.pay_now',
        targetType: 'payee',
        targetId: payee.id,
      });
      return c.json({ workflowId: payoutWorkflowId(payee.id), accepted: true as const }, 202);
    })
    .openapi(settingsRoute, async (c) =>
      c.json(await readMarketplaceSettings(c.var.db, c.var.auth.organizationId), 200),
    )
    .openapi(updateSettingsRoute, async (c) =>
      c.json(
        await updateMarketplaceSettings(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json')),
        200,
      ),
    );
}
