// Prepaid credits under /api/billing/credits: purchases of packages, promotional grants, balances, the ledger and
// transfers between entities of one organization. Money-moving writes need the admin scope; reads need read.
import { randomUUID } from 'node:crypto';
import { OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { entityBalance } from '../../activities/credits/entityBalance.js';
import { grantPromotionalCredits } from '../../activities/credits/grantPromotionalCredits.js';
import { listLedgerEntries } from '../../activities/credits/listLedgerEntries.js';
import { PaymentFailedError, purchaseCreditPackage } from '../../activities/credits/purchaseCreditPackage.js';
import { transferCredits } from '../../activities/credits/transferCredits.js';
import { startCreditGrantWorkflow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  apiRoute,
  DeprecatedIdempotencyKeyField,
  deprecatedAlias,
  idParam,
  isoDateTime,
  json,
  jsonBody,
  paymentFailed,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { AppliedRate, RateString } from './exchangeRateSchemas.js';

const decimal = z.string().regex(/^[0-9]{1,14}(\.[0-9]{1,6})?$/, 'a positive decimal string with at most 6 decimals');
const tags = ['Credits'];

const CreditGrant = z
  .object({
    id: z.uuid(),
    entityId: z.uuid(),
    source: z.enum(['purchase', 'promo', 'transfer', 'refund']),
    packageId: z.uuid().nullable(),
    sourceGrantId: z.uuid().nullable(),
    original: z.string(),
    remaining: z.string(),
    currency: z.string(),
    expiresAt: z.string().nullable(),
    priority: z.number().int(),
    createdAt: z.string(),
  })
  .openapi('CreditGrant');

const Purchase = z
  .object({
    replayed: z.boolean(),
    grant: CreditGrant,
    packageId: z.uuid(),
    price: z.string(),
    currency: z.string(),
    payment: z.enum(['invoice', 'immediate']),
    invoiceItemId: z.uuid().nullable(),
    paymentId: z.uuid().nullable(),
  })
  .openapi('CreditPurchase');

const purchaseRoute = apiRoute({
  tags,
  method: 'post',
  path: '/api/billing/credits/purchases',
  summary: 'Buy a credit package for an entity',
  description:
    "payment 'invoice' (default): the price becomes a credit_purchase item on the entity's next invoice. " +
    "payment 'immediate': the price is charged now through the payment provider with the entity's default payment " +
    'method; a declined charge creates nothing (402 PAYMENT_FAILED). The grant expires validityDays after the ' +
    'purchase. Idempotent on (entity, Idempotency-Key).',
  middleware: [requireScope('admin')],
  idempotency: 'resource',
  request: {
    body: jsonBody(
      z
        .strictObject({
          entityId: z.uuid(),
          packageId: z.uuid(),
          idempotencyKey: DeprecatedIdempotencyKeyField,
          payment: z.enum(['invoice', 'immediate']).default('invoice'),
        })
        .openapi('CreditPurchaseInput'),
    ),
  },
  responses: {
    200: json(Purchase, 'Replay of an earlier purchase'),
    201: json(Purchase, 'Purchased'),
    402: paymentFailed,
  },
});

const promoRoute = apiRoute({
  tags,
  method: 'post',
  path: '/api/billing/credits/grants',
  summary: 'Grant promotional credits to an entity',
  middleware: [requireScope('admin')],
  idempotency: 'resource',
  request: {
    body: jsonBody(
      z
        .strictObject({
          entityId: z.uuid(),
          amount: decimal.openapi({ example: '25.00' }),
          expiresAt: isoDateTime({ offset: true }).nullable().optional(),
          priority: z.number().int().min(0).max(1000).optional(),
          description: z.string().max(500).optional(),
          idempotencyKey: DeprecatedIdempotencyKeyField,
        })
        .openapi('PromotionalGrantInput'),
    ),
  },
  responses: {
    200: json(z.object({ replayed: z.boolean(), grant: CreditGrant }), 'Replay'),
    201: json(z.object({ replayed: z.boolean(), grant: CreditGrant }).openapi('PromotionalGrant'), 'Granted'),
  },
});

const balanceRoute = apiRoute({
  tags,
  method: 'get',
  path: '/api/entities/{entityId}/credit-balance',
  summary: "An entity's usable credit balance and its grants in draw order",
  middleware: [requireScope('read')],
  request: { params: idParam('entityId') },
  responses: {
    200: json(
      z
        .object({
          entityId: z.uuid(),
          currency: z.string(),
          balance: z.string(),
          lowBalanceThreshold: z.string(),
          asOf: z.string(),
          grants: z.array(CreditGrant),
        })
        .openapi('CreditBalance'),
      'Balance',
    ),
  },
});

const LedgerEntry = z
  .object({
    id: z.uuid(),
    entityId: z.uuid(),
    grantId: z.uuid().nullable(),
    eventId: z.uuid().nullable(),
    kind: z.string(),
    amount: z.string(),
    currency: z.string(),
    description: z.string().nullable(),
    idempotencyKey: z.string(),
    createdAt: z.string(),
  })
  .openapi('LedgerEntry');

const ledgerRoute = apiRoute({
  tags,
  method: 'get',
  path: '/api/billing/credits/ledger',
  summary: 'Credit ledger entries (append-only), filtered',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({
      entityId: z.uuid().optional(),
      grantId: z.uuid().optional(),
      eventId: z
        .uuid()
        .optional()
        .openapi({ description: "The event's entries, including the consume entries its draws name" }),
      kind: z.enum(['grant', 'consume', 'expire', 'transfer_out', 'transfer_in', 'refund', 'adjust']).optional(),
      from: isoDateTime({ offset: true }).optional(),
      to: isoDateTime({ offset: true }).optional(),
    }),
  },
  responses: { 200: json(listSchema(LedgerEntry, 'LedgerEntryList'), 'Entries') },
});

const Transfer = z
  .object({
    transferId: z.uuid(),
    replayed: z.boolean(),
    fromEntityId: z.uuid(),
    toEntityId: z.uuid(),
    amount: z.string(),
    currency: z.string(),
    toAmount: z.string().openapi({ description: 'What the target received, in its currency' }),
    toCurrency: z.string(),
    exchangeRate: AppliedRate.nullable().openapi({
      description: 'The exchange applied between entities of different currencies; null when they share one',
    }),
    legs: z.array(
      z.object({
        sourceGrantId: z.uuid(),
        targetGrantId: z.uuid().nullable(),
        amount: z.string(),
        toAmount: z.string(),
        expiresAt: z.string().nullable(),
      }),
    ),
    targetGrants: z.array(CreditGrant),
    fromBalance: z.string(),
    toBalance: z.string(),
  })
  .openapi('CreditTransfer');

const transferRoute = apiRoute({
  tags,
  method: 'post',
  path: '/api/billing/credits/transfers',
  summary: 'Transfer credits between two entities of the organization (keeps each grant’s expiry)',
  description:
    '`amount` is in the source entity’s currency. Between entities of different currencies it is converted at the ' +
    'rate in force now (or at `rate`), rounded half-even to the target currency’s minor unit, and the answer shows ' +
    '`toAmount` and the `exchangeRate` used (also recorded on both ledger entries): 422 `NO_EXCHANGE_RATE` when the ' +
    'organization holds no rate for the pair, 422 `EXCHANGE_RATE_NOT_APPLICABLE` for a `rate` between entities of ' +
    'one currency, 422 `INSUFFICIENT_CREDITS` when the source holds less. Idempotent on the Idempotency-Key.',
  middleware: [requireScope('admin')],
  idempotency: 'resource',
  request: {
    body: jsonBody(
      z
        .strictObject({
          fromEntityId: z.uuid(),
          toEntityId: z.uuid(),
          amount: decimal.openapi({ example: '40.00' }),
          idempotencyKey: DeprecatedIdempotencyKeyField,
          description: z.string().max(500).optional(),
          rate: RateString.optional().openapi({
            example: '1.0842',
            description:
              "Units of the target's currency per unit of the source's, for entities of different currencies " +
              'only; without it the rate in force now applies (GET /api/billing/exchange-rates/in-force)',
          }),
        })
        .openapi('CreditTransferInput'),
    ),
  },
  responses: { 200: json(Transfer, 'Replay'), 201: json(Transfer, 'Transferred') },
});

/** The request's Idempotency-Key (or deprecated body field); without one, a key of its own: a retry buys again. */
const resourceKey = (c: Context<AuthEnv>) => c.var.idempotencyKey ?? randomUUID();

export function creditRoutes(deps: RouteDeps) {
  // Immediate purchases charge through the PaymentProvider seam (PAYMENT_PROVIDER).
  const provider = deps.paymentProvider;
  // credit-grant:<grantId> starts right after the grant commits (grants with an expiry, as reconciliation does).
  // A failed start never fails the request: the reconciliation schedule starts the workflow later.
  const startGrantWorkflows = async (
    organizationId: string,
    grants: Array<{ id: string; entityId: string; expiresAt: string | null }>,
  ) => {
    for (const g of grants) {
      if (g.expiresAt === null) continue;
      try {
        await startCreditGrantWorkflow(deps, { id: g.id, entityId: g.entityId, organizationId });
      } catch (err) {
        deps.log.warn({ err, grantId: g.id }, 'credit grant workflow start failed; reconciliation will retry');
      }
    }
  };

  const balance: RouteHandler<typeof balanceRoute, AuthEnv> = async (c) =>
    c.json(await entityBalance(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId), 200);

  return new OpenAPIHono<AuthEnv>()
    .openapi(purchaseRoute, async (c) => {
      try {
        const { webhookEventIds, ...result } = await purchaseCreditPackage(
          c.var.db,
          c.var.auth.organizationId,
          { ...c.req.valid('json'), idempotencyKey: resourceKey(c) },
          { provider, actor: actorOf(c) },
        );
        await deps.outbox.dispatch(webhookEventIds);
        await startGrantWorkflows(c.var.auth.organizationId, [result.grant]);
        if (result.replayed) c.header('Idempotent-Replayed', 'true');
        return c.json(result, result.replayed ? 200 : 201);
      } catch (err) {
        if (err instanceof PaymentFailedError) {
          throw new ProblemError(402, 'PAYMENT_FAILED', 'Payment failed', `${err.providerCode}: ${err.message}`);
        }
        throw err;
      }
    })
    .openapi(promoRoute, async (c) => {
      const { webhookEventIds, ...result } = await grantPromotionalCredits(
        c.var.db,
        c.var.auth.organizationId,
        { ...c.req.valid('json'), idempotencyKey: resourceKey(c) },
        new Date(),
        actorOf(c),
      );
      await deps.outbox.dispatch(webhookEventIds);
      await startGrantWorkflows(c.var.auth.organizationId, [result.grant]);
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(result, result.replayed ? 200 : 201);
    })
    .openapi(balanceRoute, balance)
    .openapi(deprecatedAlias(balanceRoute, '/api/billing/credits/balances/{entityId}'), balance as never)
    .openapi(ledgerRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listLedgerEntries(
        c.var.db,
        c.var.auth.organizationId,
        {
          entityId: q.entityId,
          grantId: q.grantId,
          eventId: q.eventId,
          kind: q.kind,
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
    .openapi(transferRoute, async (c) => {
      const { result, webhookEventIds } = await transferCredits(
        c.var.db,
        c.var.auth.organizationId,
        { ...c.req.valid('json'), idempotencyKey: resourceKey(c) },
        { actor: actorOf(c) },
      );
      await deps.outbox.dispatch(webhookEventIds);
      await startGrantWorkflows(c.var.auth.organizationId, result.targetGrants);
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(result, result.replayed ? 200 : 201);
    });
}
