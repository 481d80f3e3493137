// One idempotency key per request, Stripe's way: on the POSTs whose resource stores its own key (events, credit
// purchases, promotional grants, transfers) the Idempotency-Key header IS that key. The old body field still works
// (deprecated); both given and different is 422 IDEMPOTENCY_KEY_MISMATCH; a refused request stores nothing, so its
// corrected retry under the same key goes through.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, type Caller, caller, expectProblem } from '../../support/apiFactories.js';
import { addEntity, createMeteringTenant, grantCredits, type MeteringTenant } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('resource-idempotency');
let tenant: MeteringTenant;
let ingest: Caller;
let admin: Caller;

beforeAll(async () => {
  tenant = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
  ingest = caller(ctx.app, tenant.ingestKey);
  admin = caller(ctx.app, tenant.adminKey);
});

const key = (label: string) => `${label}-${randomUUID()}`;
const replayed = (res: ApiResponse) => res.headers.get('idempotent-replayed') === 'true';
const event = (extra: Record<string, unknown> = {}) => ({
  entityId: tenant.entityId,
  userId: tenant.userIds[0],
  eventType: 'project.posted',
  occurredAt: new Date().toISOString(),
  ...extra,
});
const eventsWithKey = (idempotencyKey: string) =>
  ctx.db.marketplaceEvent.count({ where: { entityId: tenant.entityId, idempotencyKey } });

describe('POST /api/billing/events', () => {
  it('takes the Idempotency-Key header as the event key: a repeat replays the stored outcome', async () => {
    const k = key('evt-header');
    const first = await ingest('POST', '/api/billing/events', event(), { 'Idempotency-Key': k });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'accepted', replayed: false, idempotencyKey: k, ratedAmount: '2.50' });
    const again = await ingest('POST', '/api/billing/events', event({ occurredAt: first.body.occurredAt }), {
      'Idempotency-Key': k,
    });
    expect(again.status).toBe(200);
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await eventsWithKey(k)).toBe(1);
  });

  it('still accepts the deprecated body field alone, and the same key in both', async () => {
    const k = key('evt-body');
    const first = await ingest('POST', '/api/billing/events', event({ idempotencyKey: k }));
    expect(first.body).toMatchObject({ status: 'accepted', idempotencyKey: k });
    const both = await ingest(
      'POST',
      '/api/billing/events',
      event({ idempotencyKey: k, occurredAt: first.body.occurredAt }),
      {
        'Idempotency-Key': k,
      },
    );
    expect(both.body).toMatchObject({ status: 'accepted', replayed: true, eventId: first.body.eventId });
  });

  it('refuses a header and a body field that differ (422 IDEMPOTENCY_KEY_MISMATCH), writing nothing', async () => {
    const [h, b] = [key('evt-h'), key('evt-b')];
    const res = await ingest('POST', '/api/billing/events', event({ idempotencyKey: b }), { 'Idempotency-Key': h });
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_MISMATCH');
    expect(res.body.errors).toEqual([{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header' }]);
    expect((await eventsWithKey(h)) + (await eventsWithKey(b))).toBe(0);
  });

  it('without any key records each request as its own event (not retry-safe, as on Stripe)', async () => {
    const occurredAt = new Date().toISOString();
    const a = await ingest('POST', '/api/billing/events', event({ occurredAt }));
    const b = await ingest('POST', '/api/billing/events', event({ occurredAt }));
    expect([a.body.status, b.body.status]).toEqual(['accepted', 'accepted']);
    expect(a.body.eventId).not.toBe(b.body.eventId);
    expect(a.body.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stores nothing for a refused event: the corrected retry under the same key is accepted', async () => {
    const k = key('evt-corrected');
    const wrong = await ingest('POST', '/api/billing/events', event({ userId: randomUUID() }), {
      'Idempotency-Key': k,
    });
    expectProblem(wrong, 422, 'NOT_A_MEMBER');
    const fixed = await ingest('POST', '/api/billing/events', event(), { 'Idempotency-Key': k });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ status: 'accepted', replayed: false, idempotencyKey: k });
  });
});

describe('credit purchases, grants and transfers', () => {
  let packageId: string;
  let otherEntityId: string;

  beforeAll(async () => {
    const pkg = await admin('POST', '/api/billing/credits/packages', {
      name: 'Starter',
      credits: '100.00',
      price: '90.00',
      currency: 'USD',
      validityDays: 365,
    });
    expect(pkg.status).toBe(201);
    packageId = pkg.body.id;
    otherEntityId = await addEntity(ctx.db, tenant.organizationId);
    await grantCredits(ctx.db, tenant.organizationId, tenant.entityId, '500.00');
  });

  it('a purchase under the header key happens once; the repeat replays it', async () => {
    const k = key('purchase');
    const body = { entityId: tenant.entityId, packageId };
    const first = await admin('POST', '/api/billing/credits/purchases', body, { 'Idempotency-Key': k });
    expect(first.status).toBe(201);
    const again = await admin('POST', '/api/billing/credits/purchases', body, { 'Idempotency-Key': k });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, grant: { id: first.body.grant.id } });
    expect(replayed(again)).toBe(true);
    const mismatch = await admin(
      'POST',
      '/api/billing/credits/purchases',
      { ...body, idempotencyKey: 'other' },
      {
        'Idempotency-Key': k,
      },
    );
    expectProblem(mismatch, 422, 'IDEMPOTENCY_KEY_MISMATCH');
    expect(await ctx.db.creditGrant.count({ where: { entityId: tenant.entityId, packageId } })).toBe(1);
  });

  it('a grant refused for its expiry is stored nowhere: the corrected grant under the same key goes through', async () => {
    const k = key('grant');
    const body = { entityId: tenant.entityId, amount: '25.00', expiresAt: '2000-01-01T00:00:00Z' };
    const refused = await admin('POST', '/api/billing/credits/grants', body, { 'Idempotency-Key': k });
    expectProblem(refused, 422, 'INVALID_EXPIRY');
    const fixed = await admin(
      'POST',
      '/api/billing/credits/grants',
      { ...body, expiresAt: null },
      { 'Idempotency-Key': k },
    );
    expect(fixed.status).toBe(201);
    expect(fixed.body.grant).toMatchObject({ original: '25.00', remaining: '25.00', expiresAt: null });
  });

  it('a transfer under the header key moves the credits once', async () => {
    const k = key('transfer');
    const body = { fromEntityId: tenant.entityId, toEntityId: otherEntityId, amount: '40.00' };
    const first = await admin('POST', '/api/billing/credits/transfers', body, { 'Idempotency-Key': k });
    expect(first.status).toBe(201);
    const again = await admin('POST', '/api/billing/credits/transfers', body, { 'Idempotency-Key': k });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, transferId: first.body.transferId, toBalance: '40.00' });
  });
});
