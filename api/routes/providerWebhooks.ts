// POST /api/providers/stripe/webhooks: Stripe's events in. Authenticated by the Stripe-Signature header (the endpoint's
// signing secret, STRIPE_WEBHOOK_SECRET), not by an API key: mounted before the API-key middleware. A bad or missing
// signature is 401 INVALID_SIGNATURE and changes nothing; a replayed event (same id) is answered 200 with
// `replayed: true` and changes nothing. After the event's transaction commits, its outbox rows are dispatched and the
// collection workflows it decided are signalled (providerOutcome); a failed signal is logged, not fatal: the workflow
// asks the provider itself after a day without news.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { applyProviderEvent } from '../../activities/payments/providerEvents.js';
import { StripeSignatureError, verifyStripeEvent } from '../../activities/payments/stripeEvents.js';
import { executeRefundsNow } from '../../activities/refunds/executeRefund.js';
import { notifyProviderOutcome } from '../../temporal/signalCollection.js';
import { bodyProblemResponses, json, problem, problemResponses } from '../openapiKit.js';
import { ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const STRIPE_EVENT_EXAMPLE = {
  id: 'evt_1PgafuB7WZ01zgkW',
  object: 'event',
  type: 'charge.dispute.created',
  created: 1796688000,
  livemode: false,
  data: {
    object: {
      id: 'dp_1PgafuB7WZ01zgkW',
      object: 'dispute',
      payment_intent: 'pi_3PgafuB7WZ01zgkW0x8aY2Qd',
      charge: 'ch_3PgafuB7WZ01zgkW0x8aY2Qd',
      amount: 4900,
      currency: 'usd',
      reason: 'fraudulent',
      status: 'needs_response',
    },
  },
};

const StripeEventBody = z
  .looseObject({
    id: z.string().openapi({ example: 'evt_1PgafuB7WZ01zgkW' }),
    type: z.string().openapi({ example: 'payment_intent.succeeded' }),
    data: z.looseObject({ object: z.looseObject({}) }),
  })
  .openapi('StripeEvent', {
    description: 'A Stripe Event object, exactly as Stripe sends it (the signature covers the raw body)',
    example: STRIPE_EVENT_EXAMPLE,
  });

const Received = z
  .object({
    received: z.literal(true),
    eventId: z.string(),
    type: z.string(),
    replayed: z.boolean().openapi({ description: 'The event was applied before: nothing changed now' }),
    outcome: z.string().openapi({
      description:
        'What it did: attempt_succeeded, attempt_failed, already_recorded, refund_succeeded, dispute_opened, ' +
        'dispute_closed, unknown_payment, ignored',
      example: 'attempt_succeeded',
    }),
  })
  .openapi('ProviderEventReceived');

const route = createRoute({
  method: 'post',
  path: '/api/providers/stripe/webhooks',
  tags: ['Payments'],
  summary: "Stripe's webhook events (signed with the endpoint's secret, no API key)",
  description:
    'Point a Stripe webhook endpoint here with the events payment_intent.succeeded, payment_intent.payment_failed, ' +
    'charge.refunded, charge.dispute.created and charge.dispute.closed, and set its signing secret as ' +
    'STRIPE_WEBHOOK_SECRET. Idempotent on the Stripe event id.',
  security: [],
  request: {
    headers: z.object({
      'stripe-signature': z
        .string()
        .optional()
        .openapi({
          param: { name: 'stripe-signature', in: 'header' },
          description: "Stripe's signature of the raw body (t=...,v1=...); missing or wrong: 401",
        }),
    }),
    // Stripe's own object, open on purpose (Stripe adds fields): not through jsonBody(), which closes bodies.
    body: {
      required: true,
      content: { 'application/json': { schema: StripeEventBody, example: STRIPE_EVENT_EXAMPLE } },
    },
  },
  responses: {
    200: json(Received, 'Applied, or recognised as a replay'),
    401: problemResponses[401],
    400: problemResponses[400],
    413: bodyProblemResponses[413],
    422: problemResponses[422],
    500: problemResponses[500],
    503: problem('STRIPE_WEBHOOK_SECRET is not configured (WEBHOOKS_NOT_CONFIGURED)', {
      status: 503,
      code: 'WEBHOOKS_NOT_CONFIGURED',
      title: 'Webhooks not configured',
      detail: 'Set STRIPE_WEBHOOK_SECRET',
    }),
  },
});

export function providerWebhookRoutes(deps: RouteDeps) {
  return new OpenAPIHono().openapi(route, async (c) => {
    if (!deps.stripeWebhookSecret) {
      throw new ProblemError(503, 'WEBHOOKS_NOT_CONFIGURED', 'Webhooks not configured', 'Set STRIPE_WEBHOOK_SECRET');
    }
    let event: ReturnType<typeof verifyStripeEvent>;
    try {
      event = verifyStripeEvent(await c.req.text(), c.req.header('stripe-signature'), deps.stripeWebhookSecret);
    } catch (err) {
      if (err instanceof StripeSignatureError) {
        throw new ProblemError(401, 'INVALID_SIGNATURE', 'Invalid signature', err.message);
      }
      throw err;
    }
    const result = await applyProviderEvent(deps.db, 'stripe', event);
    // A charge that succeeded on an invoice settled meanwhile goes back at once (else the reconciliation runs it).
    const refunded = await executeRefundsNow(result.tenant, deps.paymentProvider, result.refundIds);
    result.webhookEventIds.push(...refunded.webhookEventIds);
    if (result.webhookEventIds.length > 0) {
      try {
        await deps.outbox.dispatch(result.webhookEventIds);
      } catch (err) {
        deps.log.warn({ err, eventId: event.id }, 'outbox dispatch failed; reconciliation will retry');
      }
    }
    for (const signal of result.signals) {
      const { invoiceId, ...outcome } = signal;
      try {
        await notifyProviderOutcome(deps.temporal, invoiceId, outcome);
      } catch (err) {
        deps.log.warn({ err, invoiceId }, 'could not signal the collection; it asks the provider after a day');
      }
    }
    return c.json(
      {
        received: true as const,
        eventId: event.id,
        type: event.type,
        replayed: result.replayed,
        outcome: result.outcome,
      },
      200,
    );
  });
}
