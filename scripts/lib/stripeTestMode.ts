// Stripe's test mode on top of stripe-mock: a real local HTTP server in front of stripe-mock that forwards every
// request to it (so each one is still validated against Stripe's API description) and adds what a stateless mock
// cannot: the documented outcomes of Stripe's test payment methods, idempotency keys answered with their first response
// (as Stripe does for 24 hours), PaymentIntents remembered for a later retrieve, and injected faults. The Stripe
// adapter's tests, the payment contract suite and the chaos run use it (STRIPE_API_BASE = its url).
//
//   pm_card_visa, pm_card_mastercard, ...        succeeded
//   pm_card_chargeDeclined                       402 card_declined (generic_decline)
//   pm_card_chargeDeclinedInsufficientFunds      402 card_declined (insufficient_funds)
//   pm_card_chargeDeclinedExpiredCard            402 expired_card
//   pm_card_authenticationRequired               402 authentication_required
//   pm_usBankAccount_processing                  processing (decided later by a webhook the test sends)
//   anything else                                404 resource_missing on attach and on charge
//
// Refunds of a PaymentIntent created here are checked against what is left of it, as Stripe does: more than that is a
// 400 (charge_already_refunded when nothing is left, else amount_too_large).
//
// `stallNext(n)`: the next n PaymentIntent creations (or, with a path, requests to it: '/v1/refunds') are carried out
// (and remembered under their idempotency key) but never answered, like a network timeout after Stripe acted: the
// client's repeat with the same key gets the answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeRequestRecord {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: URLSearchParams;
  /** The status and body answered (or held back, for a stalled request). */
  response?: { status: number; body: unknown };
}

export interface StripeTestMode {
  url: string;
  /** Every request received, in order (stalled ones included). */
  requests: StripeRequestRecord[];
  stallNext(count: number, path?: string): void;
  /** Changes a remembered PaymentIntent (e.g. processing -> succeeded before the adapter retrieves it). */
  setPaymentIntentStatus(id: string, status: string): void;
  stop(): Promise<void>;
}

interface Outcome {
  status: 'succeeded' | 'processing' | 'declined';
  code?: string;
  declineCode?: string;
  message?: string;
}

const CARDS: Record<string, { brand: string; last4: string; type?: string; outcome: Outcome }> = {
  pm_card_visa: { brand: 'visa', last4: '4242', outcome: { status: 'succeeded' } },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', outcome: { status: 'succeeded' } },
  pm_card_amex: { brand: 'amex', last4: '8431', outcome: { status: 'succeeded' } },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    outcome: {
      status: 'declined',
      code: 'card_declined',
      declineCode: 'generic_decline',
      message: 'Your card was declined.',
    },
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    outcome: {
      status: 'declined',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    outcome: {
      status: 'declined',
      code: 'expired_card',
      declineCode: 'expired_card',
      message: 'Your card has expired.',
    },
  },
  pm_card_authenticationRequired: {
    brand: 'visa',
    last4: '3184',
    outcome: {
      status: 'declined',
      code: 'authentication_required',
      declineCode: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
    },
  },
  pm_usBankAccount_processing: { brand: '', last4: '6789', type: 'us_bank_account', outcome: { status: 'processing' } },
};

const missing = (param: string, id: string) => ({
  status: 404,
  body: {
    error: {
      type: 'invalid_request_error',
      code: 'resource_missing',
      param,
      message: `No such PaymentMethod: '${id}'`,
    },
  },
});

export async function startStripeTestMode(stripeMockUrl: string): Promise<StripeTestMode> {
  const requests: StripeRequestRecord[] = [];
  const answered = new Map<string, { status: number; body: unknown }>();
  const intents = new Map<string, Record<string, unknown>>();
  const stalls = new Map<string, number>();
  const refunded = new Map<string, number>();
  const held: ServerResponse[] = [];

  const forward = async (req: IncomingMessage, body: string) => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'stripe-version', 'user-agent']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const res = await fetch(`${stripeMockUrl}${req.url}`, {
      method: req.method,
      headers,
      ...(req.method === 'GET' || req.method === 'DELETE' ? {} : { body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const refund = async (req: IncomingMessage, body: string, params: URLSearchParams) => {
    const piId = params.get('payment_intent') ?? '';
    const pi = intents.get(piId);
    if (!pi) return forward(req, body);
    const left = (pi.amount as number) - (refunded.get(piId) ?? 0);
    const amount = params.has('amount') ? Number(params.get('amount')) : left;
    if (amount > left) {
      const code = left === 0 ? 'charge_already_refunded' : 'amount_too_large';
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code,
            param: 'amount',
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
          },
        },
      };
    }
    const answer = await forward(req, body);
    if (answer.status === 200) {
      refunded.set(piId, (refunded.get(piId) ?? 0) + amount);
      answer.body.amount = amount;
      answer.body.payment_intent = piId;
    }
    return answer;
  };

  const decide = async (req: IncomingMessage, path: string, body: string, params: URLSearchParams) => {
    const attach = /^\/v1\/payment_methods\/([^/]+)\/attach$/.exec(path);
    if (req.method === 'POST' && attach) {
      const card = CARDS[attach[1]!];
      if (!card) return missing('payment_method', attach[1]!);
      const answer = await forward(req, body);
      if (answer.status !== 200) return answer;
      const pm = answer.body;
      pm.type = card.type ?? 'card';
      if (card.type) pm.card = null;
      else pm.card = { ...(pm.card as object), brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034 };
      return answer;
    }
    const retrieve = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && retrieve && intents.has(retrieve[1]!)) {
      return { status: 200, body: intents.get(retrieve[1]!) };
    }
    if (req.method === 'POST' && path === '/v1/refunds') return refund(req, body, params);
    const creating = req.method === 'POST' && path === '/v1/payment_intents' && params.get('confirm') === 'true';
    if (!creating) return forward(req, body);

    const method = params.get('payment_method') ?? '';
    const card = CARDS[method];
    if (!card) return missing('payment_method', method);
    const answer = await forward(req, body);
    if (answer.status !== 200) return answer;
    const pi = answer.body;
    pi.amount = Number(params.get('amount'));
    pi.currency = params.get('currency');
    pi.payment_method = method;
    const metadata: Record<string, string> = {};
    for (const [k, v] of params) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m) metadata[m[1]!] = v;
    }
    pi.metadata = metadata;
    const outcome = card.outcome;
    if (outcome.status === 'declined') {
      const error = {
        type: 'card_error',
        code: outcome.code,
        decline_code: outcome.declineCode,
        message: outcome.message,
      };
      pi.status = 'requires_payment_method';
      pi.last_payment_error = error;
      intents.set(pi.id as string, pi);
      return { status: 402, body: { error: { ...error, payment_intent: pi } } };
    }
    pi.status = outcome.status;
    pi.last_payment_error = null;
    pi.latest_charge = outcome.status === 'succeeded' ? `ch_${(pi.id as string).slice(3)}` : null;
    intents.set(pi.id as string, pi);
    return answer;
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const params = new URLSearchParams(req.method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : body);
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const record: StripeRequestRecord = { method: req.method ?? 'GET', path, idempotencyKey: key, params };
    requests.push(record);
    try {
      const cacheKey = key ? `${req.headers.authorization}:${key}` : null;
      let answer = cacheKey ? answered.get(cacheKey) : undefined;
      if (!answer) {
        answer = await decide(req, path, body, params);
        if (cacheKey && answer.status !== 404) answered.set(cacheKey, answer);
      }
      record.response = answer;
      const stalling = req.method === 'POST' ? (stalls.get(path) ?? 0) : 0;
      if (stalling > 0) {
        stalls.set(path, stalling - 1);
        held.push(res);
        return;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
        'request-id': `req_${requests.length}`,
      });
      res.end(JSON.stringify(answer.body));
    } catch (err) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: String(err) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stallNext(count, path = '/v1/payment_intents') {
      stalls.set(path, (stalls.get(path) ?? 0) + count);
    },
    setPaymentIntentStatus(id, status) {
      const pi = intents.get(id);
      if (!pi) throw new Error(`no PaymentIntent ${id}`);
      pi.status = status;
    },
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
