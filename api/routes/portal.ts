// The customer portal: a marketplace creates a short-lived session for one of its entities (like a Stripe customer
// portal session) and sends the entity's admin to the returned URL on the web console. The session token is the
// credential of the /api/portal routes: it reads that one entity's billing and may buy a credit package, nothing
// else (every other route refuses it: it has no scope).
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { creditBurnRate } from '../../activities/analytics/creditBurnRate.js';
import { usageTrend } from '../../activities/analytics/usageTrend.js';
import { allUserSpend } from '../../activities/analytics/userSpend.js';
import { recordAuditNow } from '../../activities/auditLog.js';
import { listCreditPackages } from '../../activities/credits/creditPackageCatalog.js';
import { entityBalance } from '../../activities/credits/entityBalance.js';
import { PaymentFailedError, purchaseCreditPackage } from '../../activities/credits/purchaseCreditPackage.js';
import { findEntityInOrganization } from '../../activities/entities.js';
import { listInvoices } from '../../activities/invoiceAdmin/invoiceQueries.js';
import { BURN_WINDOW_DAYS, entityRecommendations } from '../../activities/recommendations/entityRecommendations.js';
import { listSubscriptions } from '../../activities/subscriptions/subscriptionRecords.js';
import { startCreditGrantWorkflow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requirePortal, requireScope } from '../auth.js';
import { stillOwed } from '../invoiceHtml.js';
import {
  apiRoute,
  idParam,
  iso,
  json,
  jsonBody,
  money,
  NullableTimestamp,
  optionalJsonBody,
  paymentFailed,
  Timestamp,
} from '../openapiKit.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { signToken } from '../signedTokens.js';
import { documentLinks } from './invoiceDocuments.js';
import { presentRecommendations, RecommendationsSchema } from './recommendations.js';

const TREND_DAYS = 14;

const SessionSchema = z
  .object({
    object: z.literal('portal_session'),
    entityId: z.uuid(),
    url: z.string().openapi({ example: 'http://127.0.0.1:3001/portal/enter?token=mbp_eyJ….abc' }),
    expiresAt: Timestamp,
  })
  .openapi('PortalSession');

const createSessionRoute = apiRoute({
  method: 'post',
  path: '/api/entities/{entityId}/portal-sessions',
  tags: ['Entities'],
  summary: "A short-lived link to the entity's customer portal (balance, usage, invoices, credit packages)",
  description:
    'The URL carries a signed session token for this entity only; whoever opens it before it expires sees the ' +
    "entity's billing and may buy credit packages (billed on the next invoice). Send it to the entity's admin, never " +
    'embed an API key instead.',
  middleware: [requireScope('admin')],
  request: {
    params: idParam('entityId'),
    body: optionalJsonBody(
      z
        .strictObject({
          expiresInMinutes: z.number().int().min(5).max(1440).default(60).openapi({ example: 60 }),
        })
        .openapi('PortalSessionInput'),
    ),
  },
  responses: { 201: json(SessionSchema, 'Created') },
});

const Str = z.string();
const OverviewSchema = z
  .object({
    entity: z.object({ id: z.uuid(), name: Str, currency: Str, status: Str, timeZone: Str }),
    sessionExpiresAt: Timestamp,
    balance: z.object({
      balance: Str,
      lowBalanceThreshold: Str,
      grants: z.array(
        z.object({ id: z.uuid(), source: Str, original: Str, remaining: Str, expiresAt: NullableTimestamp }),
      ),
    }),
    burn: z.object({
      windowDays: z.number().int(),
      consumed: Str,
      burnRatePerDay: Str,
      projectedDepletionAt: NullableTimestamp,
      daysUntilDepletion: Str.nullable(),
      expiringBeforeDepletion: Str,
    }),
    usage: z.object({
      days: z.array(Str),
      byEventType: z.array(z.object({ key: Str, label: Str, amounts: z.array(Str), total: Str })),
      byUser: z.array(z.object({ key: Str, label: Str, amounts: z.array(Str), total: Str })),
    }),
    users: z.array(
      z.object({
        userId: z.uuid(),
        name: Str.nullable(),
        spent: Str,
        creditLimit: Str.nullable(),
        remaining: Str.nullable(),
        limitReached: z.boolean(),
      }),
    ),
    subscriptions: z.array(
      z.object({
        id: z.uuid(),
        planName: Str,
        status: Str,
        seatsPurchased: z.number().int(),
        seatsAssigned: z.number().int(),
        pricePerSeat: Str,
        interval: Str,
        currentPeriodEnd: Timestamp,
      }),
    ),
    invoices: z.array(
      z.object({
        id: z.uuid(),
        number: z.number().int().nullable(),
        status: Str,
        periodStart: Timestamp,
        periodEnd: Timestamp,
        total: Str,
        amountRemaining: Str,
        htmlUrl: Str,
        pdfUrl: Str,
      }),
    ),
    packages: z.array(z.object({ id: z.uuid(), name: Str, credits: Str, price: Str, validityDays: z.number().int() })),
    recommendations: RecommendationsSchema.shape.recommendations,
  })
  .openapi('PortalOverview');

const overviewRoute = apiRoute({
  method: 'get',
  path: '/api/portal/overview',
  tags: ['Customer portal'],
  summary: "Everything the portal shows about the session's entity",
  description: 'Authenticated by a portal session token (Authorization: Bearer mbp_…), not an API key.',
  middleware: [requirePortal()],
  request: {},
  responses: { 200: json(OverviewSchema, 'Overview') },
});

const purchaseRoute = apiRoute({
  method: 'post',
  path: '/api/portal/credit-purchases',
  tags: ['Customer portal'],
  summary: "Buy a credit package for the session's entity, billed on its next invoice",
  middleware: [requirePortal()],
  request: {
    body: jsonBody(
      z
        .strictObject({ packageId: z.uuid(), idempotencyKey: z.string().min(1).max(255) })
        .openapi('PortalCreditPurchaseInput'),
    ),
  },
  responses: {
    200: json(z.object({ grantId: z.uuid(), replayed: z.boolean() }).openapi('PortalCreditPurchase'), 'Replay'),
    201: json(z.object({ grantId: z.uuid(), replayed: z.boolean() }), 'Purchased'),
    402: paymentFailed,
  },
});

export function portalRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createSessionRoute, async (c) => {
      const { entityId } = c.req.valid('param');
      const orgId = c.var.auth.organizationId;
      if (!(await findEntityInOrganization(c.var.db, orgId, entityId))) throw notFound('entity');
      const minutes = c.req.valid('json')?.expiresInMinutes ?? 60;
      const expiresAt = new Date(Date.now() + minutes * 60_000);
      const { token } = signToken(deps.signingSecret, {
        purpose: 'portal',
        organizationId: orgId,
        subject: entityId,
        expiresAt,
      });
      const url = `${deps.consoleUrl}/portal/enter?token=${encodeURIComponent(token)}`;
      // A credential to the entity's billing was handed out: who, for which entity, until when (never the token).
      await recordAuditNow(c.var.db, actorOf(c), {
        organizationId: orgId,
        action: 'portal_session.create',
        targetType: 'entity',
        targetId: entityId,
        after: { expiresAt: iso(expiresAt) },
      });
      return c.json({ object: 'portal_session' as const, entityId, url, expiresAt: iso(expiresAt) }, 201);
    })
    .openapi(overviewRoute, async (c) => {
      const portal = c.var.auth.portal as NonNullable<typeof c.var.auth.portal>;
      const orgId = c.var.auth.organizationId;
      const entityId = portal.entityId;
      const entity = await findEntityInOrganization(c.var.db, orgId, entityId);
      if (!entity) throw notFound('entity');
      const [balance, burn, byEventType, byUser, spend, subs, seats, invoices, packages, recs, profiles] =
        await Promise.all([
          entityBalance(c.var.db, orgId, entityId),
          creditBurnRate(c.var.db, orgId, { entityId, windowDays: BURN_WINDOW_DAYS }),
          usageTrend(c.var.db, orgId, { entityId, by: 'eventType', days: TREND_DAYS }),
          usageTrend(c.var.db, orgId, { entityId, by: 'user', days: TREND_DAYS }),
          allUserSpend(c.var.db, orgId, entityId),
          listSubscriptions(c.var.db, orgId, { limit: 20 }, { entityId }),
          c.var.db.entityUser.count({ where: { entityId, seatAssigned: true, deletedAt: null } }),
          listInvoices(c.var.db, orgId, { entityId }, { limit: 100 }),
          listCreditPackages(c.var.db, orgId, { active: true }, { limit: 100 }),
          entityRecommendations(c.var.db, orgId, entityId),
          c.var.db.organizationUser.findMany({
            where: { organizationId: orgId },
            select: { userId: true, name: true },
          }),
        ]);
      const nameOf = new Map(profiles.map((p) => [p.userId, p.name]));
      const origin = new URL(c.req.url).origin;
      return c.json(
        {
          entity: {
            id: entity.id,
            name: entity.name,
            currency: entity.currency,
            status: entity.status,
            timeZone: entity.timeZone,
          },
          sessionExpiresAt: iso(portal.expiresAt),
          balance: {
            balance: balance.balance,
            lowBalanceThreshold: balance.lowBalanceThreshold,
            grants: balance.grants.map((g) => ({
              id: g.id,
              source: g.source,
              original: g.original,
              remaining: g.remaining,
              expiresAt: g.expiresAt,
            })),
          },
          burn: {
            windowDays: burn.windowDays,
            consumed: burn.consumed,
            burnRatePerDay: burn.burnRatePerDay,
            projectedDepletionAt: burn.projectedDepletionAt,
            daysUntilDepletion: burn.daysUntilDepletion,
            expiringBeforeDepletion: burn.expiringBeforeDepletion,
          },
          usage: { days: byEventType.days, byEventType: byEventType.series, byUser: byUser.series },
          users: spend.map((s) => ({
            userId: s.userId,
            name: nameOf.get(s.userId) ?? null,
            spent: s.spent,
            creditLimit: s.creditLimit,
            remaining: s.remaining,
            limitReached: s.limitReached,
          })),
          subscriptions: subs.items.map((s) => ({
            id: s.id,
            planName: s.planName,
            status: s.status,
            seatsPurchased: s.status === 'canceled' ? 0 : s.seats,
            seatsAssigned: seats,
            pricePerSeat: s.pricePerSeat,
            interval: s.interval,
            currentPeriodEnd: s.currentPeriodEnd,
          })),
          invoices: invoices.items
            .filter((i) => i.status !== 'draft')
            .reverse()
            .map((i) => {
              const links = documentLinks(deps, origin, orgId, i.id);
              return {
                id: i.id,
                number: i.number,
                status: i.status,
                periodStart: iso(i.periodStart),
                periodEnd: iso(i.periodEnd),
                total: money(i.total, i.currency),
                amountRemaining: stillOwed(i),
                htmlUrl: links.htmlUrl,
                pdfUrl: links.pdfUrl,
              };
            }),
          packages: packages.items
            .filter((p) => p.currency === entity.currency)
            .map((p) => ({ id: p.id, name: p.name, credits: p.credits, price: p.price, validityDays: p.validityDays })),
          recommendations: presentRecommendations(recs).recommendations,
        },
        200,
      );
    })
    .openapi(purchaseRoute, async (c) => {
      const portal = c.var.auth.portal as NonNullable<typeof c.var.auth.portal>;
      const orgId = c.var.auth.organizationId;
      const body = c.req.valid('json');
      try {
        const result = await purchaseCreditPackage(c.var.db, orgId, {
          entityId: portal.entityId,
          packageId: body.packageId,
          // Its own namespace: a portal purchase never collides with an integrator's key for the same entity.
          idempotencyKey: `portal:${body.idempotencyKey}`,
          payment: 'invoice',
        });
        if (result.grant.expiresAt !== null && !result.replayed) {
          await startCreditGrantWorkflow(deps, {
            id: result.grant.id,
            entityId: portal.entityId,
            organizationId: orgId,
          }).catch((err: unknown) =>
            deps.log.warn(
              { err, grantId: result.grant.id },
              'credit grant workflow start failed; reconciliation retries',
            ),
          );
        }
        return c.json({ grantId: result.grant.id, replayed: result.replayed }, result.replayed ? 200 : 201);
      } catch (err) {
        if (err instanceof PaymentFailedError) {
          throw new ProblemError(402, 'PAYMENT_FAILED', 'Payment failed', `${err.providerCode}: ${err.message}`);
        }
        throw err;
      }
    });
}
