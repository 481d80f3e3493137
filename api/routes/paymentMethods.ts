// /api/entities/{entityId}/payment-methods: attach a payment provider's token, list, set the default the collection
// charges, detach. Tokens only (PCI DSS SAQ-A): a body that holds anything shaped like a card number is refused with
// 422 CARD_DATA_REFUSED before anything reads it (api/cardData.ts).
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  attachPaymentMethod,
  detachPaymentMethod,
  listPaymentMethods,
  type PaymentMethodRow,
  setDefaultPaymentMethod,
} from '../../activities/payments/paymentMethods.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { refuseCardData } from '../cardData.js';
import { apiRoute, iso, isoOrNull, json, jsonBody, NullableTimestamp, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import type { RouteDeps } from '../routeDeps.js';

export const PaymentMethodSchema = z
  .object({
    id: z.uuid(),
    entityId: z.uuid(),
    provider: z.string().openapi({ example: 'stripe' }),
    token: z.string().openapi({ description: "The provider's token (a Stripe pm_...)", example: 'pm_card_visa' }),
    type: z.string().openapi({ example: 'card' }),
    brand: z.string().nullable().openapi({ example: 'visa' }),
    last4: z.string().nullable().openapi({ example: '4242' }),
    expMonth: z.number().int().nullable().openapi({ example: 12 }),
    expYear: z.number().int().nullable().openapi({ example: 2034 }),
    isDefault: z.boolean(),
    createdAt: Timestamp,
    detachedAt: NullableTimestamp,
  })
  .openapi('PaymentMethod');

const AttachBody = z
  .strictObject({
    token: z
      .string()
      .regex(/^[A-Za-z0-9_]{3,255}$/, 'a payment provider token, e.g. pm_card_visa')
      .openapi({
        description:
          "A token from your payment provider: Stripe's PaymentMethod id (from Stripe.js / Elements, never a card " +
          'number), or a sandbox test method: pm_card_ok, pm_card_declined, pm_card_insufficient_funds, ' +
          'pm_card_authentication_required, pm_card_expired, pm_card_timeout, pm_card_fail_then_ok, ' +
          'pm_card_fail_<n>_then_ok',
        example: 'pm_card_ok',
      }),
    setDefault: z
      .boolean()
      .optional()
      .openapi({ description: "Make it the entity's default (default: when the entity has none yet)" }),
  })
  .openapi('AttachPaymentMethod', { example: { token: 'pm_card_ok', setDefault: true } });

const Params = z.object({
  entityId: z.uuid().openapi({ param: { name: 'entityId', in: 'path' } }),
});
const MethodParams = Params.extend({
  paymentMethodId: z.uuid().openapi({ param: { name: 'paymentMethodId', in: 'path' } }),
});
const tags = ['Payments'];
const base = '/api/entities/{entityId}/payment-methods';

const attachRoute = apiRoute({
  method: 'post',
  path: base,
  tags,
  summary: "Attach a payment provider's token to the entity",
  description:
    "Attaches the token to the entity's customer at the provider and records what the provider says about it. " +
    'Card numbers are refused (422 CARD_DATA_REFUSED); an unknown token is 422 UNKNOWN_PAYMENT_METHOD, one the ' +
    'provider refuses 422 PAYMENT_METHOD_REFUSED, an entity currency the provider cannot charge in 422 ' +
    'CURRENCY_NOT_SUPPORTED. Attaching the same token again answers 200 with the method.',
  middleware: [requireScope('admin'), refuseCardData],
  request: { params: Params, body: jsonBody(AttachBody) },
  responses: { 200: json(PaymentMethodSchema, 'Already attached'), 201: json(PaymentMethodSchema, 'Attached') },
});
const listRoute = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: "The entity's attached payment methods",
  middleware: [requireScope('read')],
  request: { params: Params, query: ListQuery },
  responses: { 200: json(listSchema(PaymentMethodSchema, 'PaymentMethodList'), 'Payment methods') },
});
const defaultRoute = apiRoute({
  method: 'post',
  path: `${base}/{paymentMethodId}/default`,
  tags,
  summary: 'Make a payment method the one the collection charges',
  middleware: [requireScope('admin'), refuseCardData],
  request: { params: MethodParams },
  responses: { 200: json(PaymentMethodSchema, 'The new default') },
});
const detachRoute = apiRoute({
  method: 'delete',
  path: `${base}/{paymentMethodId}`,
  tags,
  summary: 'Detach a payment method (at the provider too)',
  description:
    'Detaching the default leaves the entity without one: with Stripe its next charge fails as ' +
    'payment_method_missing (the sandbox charges pm_card_ok).',
  middleware: [requireScope('admin')],
  request: { params: MethodParams },
  responses: { 200: json(PaymentMethodSchema, 'Detached') },
});

export const presentPaymentMethod = (m: PaymentMethodRow) => ({
  id: m.id,
  entityId: m.entityId,
  provider: m.provider,
  token: m.providerRef,
  type: m.type,
  brand: m.brand,
  last4: m.last4,
  expMonth: m.expMonth,
  expYear: m.expYear,
  isDefault: m.isDefault,
  createdAt: iso(m.createdAt),
  detachedAt: isoOrNull(m.detachedAt),
});

export function paymentMethodRoutes(deps: RouteDeps) {
  const provider = deps.paymentProvider;
  return new OpenAPIHono<AuthEnv>()
    .openapi(attachRoute, async (c) => {
      const { method, created } = await attachPaymentMethod(
        c.var.db,
        provider,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').entityId,
        c.req.valid('json'),
      );
      return c.json(presentPaymentMethod(method), created ? 201 : 200);
    })
    .openapi(listRoute, async (c) => {
      const page = await listPaymentMethods(
        c.var.db,
        c.var.auth.organizationId,
        c.req.valid('param').entityId,
        pageRequest(c.req.valid('query')),
      );
      return c.json(listResponse(page, presentPaymentMethod), 200);
    })
    .openapi(defaultRoute, async (c) => {
      const { entityId, paymentMethodId } = c.req.valid('param');
      const method = await setDefaultPaymentMethod(
        c.var.db,
        provider,
        actorOf(c),
        c.var.auth.organizationId,
        entityId,
        paymentMethodId,
      );
      return c.json(presentPaymentMethod(method), 200);
    })
    .openapi(detachRoute, async (c) => {
      const { entityId, paymentMethodId } = c.req.valid('param');
      const method = await detachPaymentMethod(
        c.var.db,
        provider,
        actorOf(c),
        c.var.auth.organizationId,
        entityId,
        paymentMethodId,
      );
      return c.json(presentPaymentMethod(method), 200);
    });
}
