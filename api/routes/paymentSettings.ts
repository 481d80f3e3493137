// /api/billing/payment-settings: the caller organization's dunning schedule, downgrade credit policy and dispute
// policy (activities/payments/paymentSettings.ts).
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { readPaymentSettings, updatePaymentSettings } from '../../activities/payments/paymentSettings.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, json, jsonBody } from '../openapiKit.js';
import type { RouteDeps } from '../routeDeps.js';

const DunningDays = z
  .array(z.number().int().min(1).max(60))
  .max(10)
  .refine((days) => days.every((d, i) => i === 0 || d > days[i - 1]!), { message: 'days must be strictly increasing' })
  .openapi({
    description:
      'Retries of a failed collection, in days after the first charge attempt (strictly increasing, 1 to 60, at most ' +
      '10). After the last one the invoice is past due and the entity suspended. Applies to collections started ' +
      'after the change.',
    example: [1, 3, 7],
  });
const DowngradeCreditPolicy = z.enum(['carry_forward', 'refund']).openapi({
  description:
    "carry_forward: a downgrade's credit reduces the next invoice (a negative total carries forward); refund: it is " +
    'refunded in cash against the paid invoices of the entity, newest first (a credit note each), and only what ' +
    'they cannot take is carried forward',
});

const SettingsSchema = z
  .object({
    dunningDays: DunningDays,
    downgradeCreditPolicy: DowngradeCreditPolicy,
    suspendOnDispute: z.boolean().openapi({
      description:
        'true: a dispute (chargeback) opened at the payment provider suspends the paying entity (entity.suspended, ' +
        'reason payment_disputed; metering refuses its events with ENTITY_SUSPENDED) until the dispute is closed, won ' +
        'or lost, and nothing else holds the suspension. Every dispute sends payment.disputed either way.',
      example: false,
    }),
  })
  .openapi('PaymentSettings');

const SettingsPatch = z
  .strictObject({
    dunningDays: DunningDays.optional(),
    downgradeCreditPolicy: DowngradeCreditPolicy.optional(),
    suspendOnDispute: z.boolean().optional(),
  })
  .openapi('PaymentSettingsPatch', {
    example: { dunningDays: [2, 5, 10, 14], downgradeCreditPolicy: 'refund', suspendOnDispute: true },
  });

const tags = ['Payments'];
const path = '/api/billing/payment-settings';

const readRoute = apiRoute({
  method: 'get',
  path,
  tags,
  summary: "The organization's payment settings",
  middleware: [requireScope('read')],
  request: {},
  responses: { 200: json(SettingsSchema, 'Payment settings') },
});
const updateRoute = apiRoute({
  method: 'patch',
  path,
  tags,
  summary: "Change the organization's payment settings",
  middleware: [requireScope('admin')],
  request: { body: jsonBody(SettingsPatch) },
  responses: { 200: json(SettingsSchema, 'Payment settings') },
});

export function paymentSettingsRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(readRoute, async (c) => c.json(await readPaymentSettings(c.var.db, c.var.auth.organizationId), 200))
    .openapi(updateRoute, async (c) =>
      c.json(await updatePaymentSettings(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json')), 200),
    );
}
