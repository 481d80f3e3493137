// A user two organizations shared before per-organization records existed keeps one id in both (events and
// memberships name it), so everything keyed by that id (memberships, spend per period, events, ledger, outbox) must
// still be read per organization. Organization A runs the same script in two worlds: the user is A's alone, or B
// has the same user and meters, renames and re-limits them in between. A's every response must be the same.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, caller, uniqueEmail } from '../../support/apiFactories.js';
import { createMeteringTenant, grantCredits, type MeteringTenant } from '../../support/meteringFactories.js';
import { normalizedResponse } from '../../support/responseNormalizer.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('shared-user-isolation');
const worlds: { alone?: Map<string, ApiResponse>; shared?: Map<string, ApiResponse> } = {};
const emails: { alone?: string; shared?: string } = {};
/** B's outbox at the end of the shared world: proof B's meddling metered the shared user. */
let theirOutbox: ApiResponse | undefined;

beforeAll(async () => {
  emails.alone = uniqueEmail('legacy-alone');
  worlds.alone = await runScript(emails.alone, false);
  emails.shared = uniqueEmail('legacy-shared');
  worlds.shared = await runScript(emails.shared, true);
}, 120_000);

/** What the organization_users migration leaves of a user: an identity and the organization's record of it. */
async function recordOf(t: MeteringTenant, userId: string, email: string, creditLimit: string) {
  await ctx.db.organizationUser.create({
    data: { organizationId: t.organizationId, userId, email, name: 'Alice Moreau' },
  });
  await ctx.db.entityUser.create({ data: { entityId: t.entityId, userId, teamId: t.teamId, creditLimit } });
}

async function runScript(email: string, shared: boolean): Promise<Map<string, ApiResponse>> {
  const a = await createMeteringTenant(ctx.db, { overagePolicy: 'bill', members: 0 });
  const b = await createMeteringTenant(ctx.db, { overagePolicy: 'bill', members: 0 });
  await grantCredits(ctx.db, a.organizationId, a.entityId, '4.00');
  await grantCredits(ctx.db, b.organizationId, b.entityId, '100.00');
  const user = await ctx.db.user.create({ data: {} });
  await recordOf(a, user.id, email, '7.50');
  if (shared) await recordOf(b, user.id, email, '2.50');

  const [reader, ingest, admin] = [
    caller(ctx.app, a.readKey),
    caller(ctx.app, a.ingestKey),
    caller(ctx.app, a.adminKey),
  ];
  const [bIngest, bAdmin] = [caller(ctx.app, b.ingestKey), caller(ctx.app, b.adminKey)];
  const bMeddles = async (step: number) => {
    if (!shared) return;
    for (let i = 0; i < 2; i += 1) {
      await bIngest('POST', '/api/billing/events', event(b.entityId, user.id));
    }
    await bAdmin('PATCH', `/api/users/${user.id}`, { name: `B's name ${step}` });
    await bAdmin('PUT', `/api/entities/${b.entityId}/user-limits/${user.id}`, { creditLimit: `${step + 1}` });
  };
  const responses = new Map<string, ApiResponse>();
  const record = async (route: string, res: Promise<ApiResponse>) => {
    responses.set(route, await res);
  };

  await bMeddles(0);
  // Three events of 2.50: credits cover the first 4.00, the rest is billed later; the limit of 7.50 is reached.
  for (let i = 0; i < 3; i += 1) {
    await record(
      `POST /api/billing/events #${i + 1}`,
      ingest('POST', '/api/billing/events', event(a.entityId, user.id)),
    );
    await bMeddles(i + 1);
  }
  await record('GET /api/users/{userId}', reader('GET', `/api/users/${user.id}`));
  await record('GET /api/users', reader('GET', '/api/users'));
  await record('GET /api/users?email', reader('GET', `/api/users?email=${encodeURIComponent(email)}`));
  await record('GET /api/entities/{entityId}/members', reader('GET', `/api/entities/${a.entityId}/members`));
  await record(
    'GET /api/entities/{entityId}/members/{userId}',
    reader('GET', `/api/entities/${a.entityId}/members/${user.id}`),
  );
  await record('GET /api/entities/{entityId}/user-limits', reader('GET', `/api/entities/${a.entityId}/user-limits`));
  await record(
    'GET /api/entities/{entityId}/user-limits/{userId}',
    reader('GET', `/api/entities/${a.entityId}/user-limits/${user.id}`),
  );
  await record(
    'GET /api/analytics/usage?groupBy=user',
    reader('GET', `/api/analytics/usage?entityId=${a.entityId}&groupBy=user`),
  );
  await record(
    'GET /api/analytics/usage?groupBy=team',
    reader('GET', `/api/analytics/usage?entityId=${a.entityId}&groupBy=team`),
  );
  await record('GET /api/analytics/top-spenders', reader('GET', `/api/analytics/top-spenders?entityId=${a.entityId}`));
  await record('GET /api/analytics/credit-burn', reader('GET', `/api/analytics/credit-burn?entityId=${a.entityId}`));
  await record('GET /api/billing/credits/ledger', reader('GET', `/api/billing/credits/ledger?limit=100`));
  await record(
    'GET /api/entities/{entityId}/credit-balance',
    reader('GET', `/api/entities/${a.entityId}/credit-balance`),
  );
  await record('GET /api/billing/outbox', reader('GET', '/api/billing/outbox?limit=100'));
  await record(
    'PATCH /api/users/{userId}',
    admin('PATCH', `/api/users/${user.id}`, { name: 'Alice M.', email: email.toUpperCase() }),
  );
  await bMeddles(4);
  await record('GET /api/users/{userId} after PATCH', reader('GET', `/api/users/${user.id}`));
  await record('GET /api/audit-log', admin('GET', '/api/audit-log?limit=100'));
  if (shared) theirOutbox = await bAdmin('GET', '/api/billing/outbox?limit=100');
  return responses;
}

const event = (entityId: string, userId: string) => ({
  entityId,
  userId,
  eventType: 'project.posted',
  quantity: 1,
  occurredAt: new Date().toISOString(),
  idempotencyKey: randomUUID(),
});

/** Whether an outbox row was handed to delivery yet depends on timing, not on the other organization. */
function withoutDispatchTimes(res: ApiResponse | undefined): ApiResponse | undefined {
  if (!res?.body?.data) return res;
  const data = (res.body.data as Array<Record<string, unknown>>).map(({ dispatchedAt: _, ...row }) => row);
  return { ...res, body: { ...res.body, data } };
}

const ROUTES = [
  'POST /api/billing/events #1',
  'POST /api/billing/events #2',
  'POST /api/billing/events #3',
  'GET /api/users/{userId}',
  'GET /api/users',
  'GET /api/users?email',
  'GET /api/entities/{entityId}/members',
  'GET /api/entities/{entityId}/members/{userId}',
  'GET /api/entities/{entityId}/user-limits',
  'GET /api/entities/{entityId}/user-limits/{userId}',
  'GET /api/analytics/usage?groupBy=user',
  'GET /api/analytics/usage?groupBy=team',
  'GET /api/analytics/top-spenders',
  'GET /api/analytics/credit-burn',
  'GET /api/billing/credits/ledger',
  'GET /api/entities/{entityId}/credit-balance',
  'GET /api/billing/outbox',
  'PATCH /api/users/{userId}',
  'GET /api/users/{userId} after PATCH',
  'GET /api/audit-log',
];

describe("organization A's view of a user B shares with it (one id, two records)", () => {
  it('ran the same script in both worlds (sanity: the events were accepted and the limit reached)', () => {
    expect([...(worlds.alone?.keys() ?? [])]).toEqual(ROUTES);
    expect([...(worlds.shared?.keys() ?? [])]).toEqual(ROUTES);
    const third = worlds.alone?.get('POST /api/billing/events #3')?.body;
    expect(third).toMatchObject({ status: 'accepted', ratedAmount: '2.50', creditsDrawn: '0.00', billedLater: '2.50' });
    expect(worlds.shared?.get('GET /api/users/{userId} after PATCH')?.body).toMatchObject({ name: 'Alice M.' });
    const types = (res: ApiResponse | undefined) =>
      ((res?.body.data ?? []) as Array<{ type: string }>).map((r) => r.type);
    expect(types(worlds.alone?.get('GET /api/billing/outbox'))).toContain('user.credit_limit_reached');
    expect(types(theirOutbox)).toContain('user.credit_limit_reached');
  });

  it.each(ROUTES)('%s answers A the same', (route) => {
    const [alone, shared] = [worlds.alone?.get(route), worlds.shared?.get(route)].map(withoutDispatchTimes);
    expect(normalizedResponse(shared, [[emails.shared as string, '<email>']])).toEqual(
      normalizedResponse(alone, [[emails.alone as string, '<email>']]),
    );
  });
});
