// /api/entities/{entityId}/payment-methods against each provider (the sandbox; the Stripe adapter on stripe-mock):
// attach a token (the provider's card details come back, never a number), list, set the default the collection
// charges, detach. A body holding a card number is refused and never logged; an unknown token, another organization's
// entity and a currency the provider refuses change nothing.
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { createApp } from '../../../api/app.js';
import { type Caller, caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { type ProviderUnderTest, providersUnderTest } from '../../support/paymentProviders.js';
import { devServerClient, testDb, uniqueTaskQueue } from '../../support/services.js';

let db: Db;
let client: Client;
beforeAll(async () => {
  db = testDb(3);
  client = await devServerClient();
});
afterAll(async () => {
  await client?.connection.close();
  await db?.$disconnect();
});

describe.each(providersUnderTest)('payment methods API: %s', (name, start) => {
  let p: ProviderUnderTest;
  let tenant: TestTenant;
  let admin: Caller;
  let reader: Caller;
  const logged: string[] = [];
  beforeAll(async () => {
    p = await start();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    const app = createApp({
      db,
      temporal: client,
      taskQueue: uniqueTaskQueue(`pm-${name}`),
      log: pino({ level: 'trace' }, sink),
      paymentProvider: p.provider,
    });
    tenant = await createTenant(db);
    admin = caller(app, tenant.adminKey);
    reader = caller(app, tenant.readKey);
  });
  afterAll(async () => {
    await p?.stop();
  });
  const base = () => `/api/entities/${tenant.entityId}/payment-methods`;

  it('attaches a token, the first one as the default, with the details the provider gives', async () => {
    const first = await admin('POST', base(), { token: p.methods.ok });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      entityId: tenant.entityId,
      provider: name,
      token: p.methods.ok,
      type: 'card',
      last4: '4242',
      expMonth: 12,
      expYear: 2034,
      isDefault: true,
      detachedAt: null,
    });
    const entity = await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
    expect([entity.defaultPaymentMethodId, entity.defaultPaymentMethod]).toEqual([first.body.id, p.methods.ok]);

    const again = await admin('POST', base(), { token: p.methods.ok });
    expect([again.status, again.body.id]).toEqual([200, first.body.id]);

    const second = await admin('POST', base(), { token: p.methods.declined });
    expect([second.status, second.body.isDefault, second.body.last4]).toEqual([201, false, '0002']);

    const list = await reader('GET', base());
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: { token: string; isDefault: boolean }) => [m.token, m.isDefault])).toEqual([
      [p.methods.ok, true],
      [p.methods.declined, false],
    ]);
    expect(await db.paymentCustomer.count({ where: { entityId: tenant.entityId, provider: name } })).toBe(1);
  });

  it('sets the default and detaches (a detached default leaves none)', async () => {
    const list = await reader('GET', base());
    const declined = list.body.data.find((m: { token: string }) => m.token === p.methods.declined);
    const set = await admin('POST', `${base()}/${declined.id}/default`);
    expect([set.status, set.body.isDefault]).toEqual([200, true]);
    expect((await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } })).defaultPaymentMethod).toBe(
      p.methods.declined,
    );
    const detached = await admin('DELETE', `${base()}/${declined.id}`);
    expect([detached.status, detached.body.isDefault, typeof detached.body.detachedAt]).toEqual([200, false, 'string']);
    const entity = await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
    expect([entity.defaultPaymentMethodId, entity.defaultPaymentMethod]).toEqual([null, null]);
    expectProblem(await admin('DELETE', `${base()}/${declined.id}`), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', `${base()}/${declined.id}/default`), 404, 'NOT_FOUND');
    expect((await reader('GET', base())).body.data.map((m: { token: string }) => m.token)).toEqual([p.methods.ok]);
    const actions = await db.auditLog.findMany({
      where: { organizationId: tenant.organizationId, action: { startsWith: 'payment_method.' } },
      orderBy: { createdAt: 'asc' },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'payment_method.attach',
      'payment_method.attach',
      'payment_method.set_default',
      'payment_method.detach',
    ]);
    if (p.stripe)
      expect(p.stripe.requests.some((r) => r.path === `/v1/payment_methods/${p.methods.declined}/detach`)).toBe(true);
  });

  it('refuses a card number anywhere in the body (422 CARD_DATA_REFUSED), writes nothing, logs nothing of it', async () => {
    const before = await db.paymentMethod.count({ where: { entityId: tenant.entityId } });
    for (const body of [
      { token: '4242424242424242' },
      { token: p.methods.ok, card: { number: '4242 4242 4242 4242', cvc: '123' } },
      { token: '5555-5555-5555-4444' },
    ]) {
      const res = await admin('POST', base(), body, { 'Idempotency-Key': `card-${Math.random()}` });
      expectProblem(res, 422, 'CARD_DATA_REFUSED');
      expect(JSON.stringify(res.body)).not.toMatch(/4242|5555/);
    }
    expect(await db.paymentMethod.count({ where: { entityId: tenant.entityId } })).toBe(before);
    const all = logged.join('\n');
    expect(all).toContain('"status":422');
    expect(all).not.toMatch(/4242 ?4242|5555-5555/);
    const stored = await db.idempotencyRecord.findMany({ where: { organizationId: tenant.organizationId } });
    expect(JSON.stringify(stored)).not.toMatch(/4242 ?4242|5555-5555/);
  });

  it('refuses an unknown token (422 UNKNOWN_PAYMENT_METHOD) and malformed ones, changing nothing', async () => {
    const before = await db.paymentMethod.count({ where: { entityId: tenant.entityId } });
    expectProblem(await admin('POST', base(), { token: p.methods.unknown }), 422, 'UNKNOWN_PAYMENT_METHOD');
    expectProblem(await admin('POST', base(), { token: 'pm card' }), 422, 'VALIDATION_FAILED');
    expectProblem(await admin('POST', base(), { token: p.methods.ok, extra: 1 }), 422, 'VALIDATION_FAILED');
    expect(await db.paymentMethod.count({ where: { entityId: tenant.entityId } })).toBe(before);
  });

  it("another organization's entity is 404; a read key cannot attach; a currency the provider refuses is 422", async () => {
    const other = await createTenant(db);
    expectProblem(
      await admin('POST', `/api/entities/${other.entityId}/payment-methods`, { token: p.methods.ok }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await reader('POST', base(), { token: p.methods.ok }), 403, 'INSUFFICIENT_SCOPE');
    const clf = await createTenant(db, { currency: 'CLF' });
    const res = await caller(
      createApp({ db, temporal: client, taskQueue: 'x', log: pino({ level: 'silent' }), paymentProvider: p.provider }),
      clf.adminKey,
    )('POST', `/api/entities/${clf.entityId}/payment-methods`, { token: p.methods.ok });
    expectProblem(res, 422, 'CURRENCY_NOT_SUPPORTED');
    expect(await db.paymentMethod.count({ where: { entityId: clf.entityId } })).toBe(0);
  });
});
