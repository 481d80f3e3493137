// No organization learns anything about another through a person both know. Organization A runs the same script of
// requests in two worlds: one where nobody else has the email it uses, one where organization B created a user with
// that email first (and keeps changing it while A works). Every response A gets must be the same in both worlds,
// byte for byte once the ids and timestamps A's own requests created are named by order of appearance. Probes with
// B's user id must answer exactly as probes with an id nobody has.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, type Caller, caller, uniqueEmail } from '../../support/apiFactories.js';
import { createMeteringTenant, type MeteringTenant } from '../../support/meteringFactories.js';
import { normalizedResponse } from '../../support/responseNormalizer.js';
import { apiTestContext } from '../../support/testContext.js';

/** What A saw, by route, and what the test needs to check the user A created. */
interface World {
  responses: Map<string, ApiResponse>;
  email: string;
  userId: string;
  startedAt: number;
  finishedAt: number;
  /** B's user with the same email (the shared world only). */
  theirs?: { id: string; adminKey: string };
}

const worlds: { alone?: World; shared?: World } = {};

const ctx = apiTestContext('user-isolation');
beforeAll(async () => {
  worlds.alone = await runScript(uniqueEmail('alone'), false);
  worlds.shared = await runScript(uniqueEmail('shared'), true);
}, 120_000);

async function tenantWithSecondEntity(): Promise<MeteringTenant & { secondEntityId: string }> {
  const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
  // A second entity straight in the database: membership routes need no billing workflow.
  const second = await ctx.db.entity.create({
    data: { organizationId: t.organizationId, name: `Second ${randomUUID().slice(0, 6)}`, currency: 'USD' },
  });
  return { ...t, secondEntityId: second.id };
}

const event = (entityId: string, userId: string) => ({
  entityId,
  userId,
  eventType: 'project.posted',
  quantity: 2,
  occurredAt: new Date().toISOString(),
  idempotencyKey: randomUUID(),
});

/**
 * A's script. In the shared world B creates a user with A's email before A starts, sends events for them, and
 * renames them and changes their membership between A's steps.
 */
async function runScript(email: string, shared: boolean): Promise<World> {
  const a = await tenantWithSecondEntity();
  const b = await tenantWithSecondEntity();
  const [admin, reader, ingest] = [
    caller(ctx.app, a.adminKey),
    caller(ctx.app, a.readKey),
    caller(ctx.app, a.ingestKey),
  ];
  const bAdmin = caller(ctx.app, b.adminKey);
  const responses = new Map<string, ApiResponse>();
  const record = (route: string, res: ApiResponse) => {
    responses.set(route, res);
    return res;
  };

  let theirs: World['theirs'];
  const bMeddles = async (step: number) => {
    if (!theirs) return;
    await bAdmin('PATCH', `/api/users/${theirs.id}`, { name: `Renamed by B ${step}` });
    await caller(ctx.app, b.ingestKey)('POST', '/api/billing/events', event(b.entityId, theirs.id));
  };
  if (shared) {
    const created = await bAdmin('POST', '/api/users', {
      email,
      name: 'Someone Else',
      membership: { entityId: b.entityId, role: 'owner', creditLimit: '999', seatAssigned: true },
    });
    expect(created.status).toBe(201);
    theirs = { id: created.body.id, adminKey: b.adminKey };
    await bAdmin('POST', `/api/entities/${b.secondEntityId}/members`, { userId: theirs.id });
    await bMeddles(0);
  }

  const startedAt = Date.now();
  const created = record(
    'POST /api/users',
    await admin('POST', '/api/users', {
      email: email.toUpperCase(),
      name: 'Alice Moreau',
      membership: { entityId: a.entityId, role: 'admin', creditLimit: '250', seatAssigned: true },
    }),
  );
  const userId = created.body.id as string;
  const finishedAt = Date.now();
  await bMeddles(1);

  record('GET /api/users/{userId}', await reader('GET', `/api/users/${userId}`));
  record('GET /api/users', await reader('GET', '/api/users'));
  record('GET /api/users?email', await reader('GET', `/api/users?email=${encodeURIComponent(email)}`));
  record('GET /api/users?entityId', await reader('GET', `/api/users?entityId=${a.entityId}`));
  // B's entity as a filter: nothing, exactly as for an entity nobody has.
  record(
    'GET /api/users?entityId (another organization)',
    await reader('GET', `/api/users?entityId=${shared ? b.entityId : randomUUID()}`),
  );
  record('PATCH /api/users/{userId}', await admin('PATCH', `/api/users/${userId}`, { name: 'Alice M.' }));
  await bMeddles(2);

  record(
    'POST /api/entities/{entityId}/members',
    await admin('POST', `/api/entities/${a.secondEntityId}/members`, { userId, creditLimit: '10' }),
  );
  record('GET /api/entities/{entityId}/members', await reader('GET', `/api/entities/${a.secondEntityId}/members`));
  record(
    'GET /api/entities/{entityId}/members/{userId}',
    await reader('GET', `/api/entities/${a.secondEntityId}/members/${userId}`),
  );
  record(
    'PATCH /api/entities/{entityId}/members/{userId}',
    await admin('PATCH', `/api/entities/${a.secondEntityId}/members/${userId}`, { role: 'viewer' }),
  );
  await bMeddles(3);

  record('POST /api/billing/events', await ingest('POST', '/api/billing/events', event(a.entityId, userId)));
  record(
    'GET /api/analytics/top-spenders',
    await reader('GET', `/api/analytics/top-spenders?entityId=${a.entityId}&limit=5`),
  );
  record(
    'GET /api/analytics/usage?groupBy=user',
    await reader('GET', `/api/analytics/usage?entityId=${a.entityId}&groupBy=user`),
  );
  record('GET /api/entities/{entityId}/user-limits', await reader('GET', `/api/entities/${a.entityId}/user-limits`));
  record(
    'GET /api/entities/{entityId}/user-limits/{userId}',
    await reader('GET', `/api/entities/${a.entityId}/user-limits/${userId}`),
  );
  record(
    'PUT /api/entities/{entityId}/user-limits/{userId}',
    await admin('PUT', `/api/entities/${a.entityId}/user-limits/${userId}`, { creditLimit: '300' }),
  );
  record(
    'DELETE /api/entities/{entityId}/members/{userId}',
    await admin('DELETE', `/api/entities/${a.secondEntityId}/members/${userId}`),
  );
  await bMeddles(4);

  // Creating the same email again: a conflict in the entity it is a member of, the same user in another.
  record(
    'POST /api/users (same organization, same entity)',
    await admin('POST', '/api/users', { email, name: 'Again', membership: { entityId: a.entityId } }),
  );
  record(
    'POST /api/users (same organization, another entity)',
    await admin('POST', '/api/users', { email, name: 'Again', membership: { entityId: a.secondEntityId } }),
  );

  // Probes with B's user id (shared world) against an id nobody has (alone): the same answers.
  const probe = theirs?.id ?? randomUUID();
  record('GET /api/users/{userId} (probe)', await reader('GET', `/api/users/${probe}`));
  record('PATCH /api/users/{userId} (probe)', await admin('PATCH', `/api/users/${probe}`, { name: 'x' }));
  record(
    'POST /api/entities/{entityId}/members (probe)',
    await admin('POST', `/api/entities/${a.entityId}/members`, { userId: probe }),
  );
  record(
    'GET /api/entities/{entityId}/members/{userId} (probe)',
    await reader('GET', `/api/entities/${a.entityId}/members/${probe}`),
  );
  record('POST /api/billing/events (probe)', await ingest('POST', '/api/billing/events', event(a.entityId, probe)));
  record(
    'GET /api/entities/{entityId}/user-limits/{userId} (probe)',
    await reader('GET', `/api/entities/${a.entityId}/user-limits/${probe}`),
  );
  // An email only B has (shared) against one nobody has (alone).
  const bOnly = uniqueEmail('b-only');
  if (shared)
    await bAdmin('POST', '/api/users', { email: bOnly, name: 'B only', membership: { entityId: b.entityId } });
  record('GET /api/users?email (probe)', await reader('GET', `/api/users?email=${encodeURIComponent(bOnly)}`));

  record('GET /api/audit-log', await admin('GET', '/api/audit-log?limit=100'));
  return { responses, email, userId, startedAt, finishedAt, ...(theirs ? { theirs } : {}) };
}

/** The response with the world's own ids, timestamps and emails named by order of appearance. */
const normalized = (res: ApiResponse | undefined, world: World) =>
  normalizedResponse(res, [
    [world.email, '<email>'],
    [/b-only-[a-z0-9]+@test\.example/g, '<probe-email>'],
  ]);

/** Every route A's script calls (with the probes and same-organization variants), one test each. */
const ROUTES = [
  'POST /api/users',
  'GET /api/users/{userId}',
  'GET /api/users',
  'GET /api/users?email',
  'GET /api/users?entityId',
  'GET /api/users?entityId (another organization)',
  'PATCH /api/users/{userId}',
  'POST /api/entities/{entityId}/members',
  'GET /api/entities/{entityId}/members',
  'GET /api/entities/{entityId}/members/{userId}',
  'PATCH /api/entities/{entityId}/members/{userId}',
  'DELETE /api/entities/{entityId}/members/{userId}',
  'POST /api/users (same organization, same entity)',
  'POST /api/users (same organization, another entity)',
  'POST /api/billing/events',
  'GET /api/analytics/top-spenders',
  'GET /api/analytics/usage?groupBy=user',
  'GET /api/entities/{entityId}/user-limits',
  'GET /api/entities/{entityId}/user-limits/{userId}',
  'PUT /api/entities/{entityId}/user-limits/{userId}',
  'GET /api/users/{userId} (probe)',
  'PATCH /api/users/{userId} (probe)',
  'POST /api/entities/{entityId}/members (probe)',
  'GET /api/entities/{entityId}/members/{userId} (probe)',
  'POST /api/billing/events (probe)',
  'GET /api/entities/{entityId}/user-limits/{userId} (probe)',
  'GET /api/users?email (probe)',
  'GET /api/audit-log',
];
const routes = () => [...(worlds.alone?.responses.keys() ?? [])];

describe("organization A's view when organization B has a user with the same email", () => {
  it('covers every user-related route (sanity: the script ran in both worlds)', () => {
    expect([...routes()].sort()).toEqual([...ROUTES].sort());
    expect([...(worlds.shared?.responses.keys() ?? [])]).toEqual(routes());
    expect(worlds.alone?.responses.get('POST /api/users')?.status).toBe(201);
  });

  it.each(ROUTES)('%s answers A the same', (route) => {
    const alone = worlds.alone as World;
    const shared = worlds.shared as World;
    expect(normalized(shared.responses.get(route), shared)).toEqual(normalized(alone.responses.get(route), alone));
  });

  it("gives A a user of its own: its id (a fresh UUIDv7), its name, its timestamps, never B's", () => {
    for (const world of [worlds.alone, worlds.shared] as World[]) {
      const created = world.responses.get('POST /api/users') as ApiResponse;
      expect(created.body).toMatchObject({ email: world.email, name: 'Alice Moreau' });
      // A UUIDv7 carries its creation time: an id minted before A asked would tell A the email existed elsewhere.
      const idTime = Number.parseInt(world.userId.replaceAll('-', '').slice(0, 12), 16);
      expect(idTime).toBeGreaterThanOrEqual(world.startedAt);
      expect(idTime).toBeLessThanOrEqual(world.finishedAt);
      const createdAt = Date.parse(created.body.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(world.startedAt);
      expect(createdAt).toBeLessThanOrEqual(world.finishedAt);
      expect(created.body.updatedAt).toBe(created.body.createdAt);
    }
    expect(worlds.shared?.userId).not.toBe(worlds.shared?.theirs?.id);
  });

  it("leaves B's view of its user as B made it", async () => {
    const shared = worlds.shared as World;
    const theirs = shared.theirs as { id: string; adminKey: string };
    const mine = await caller(ctx.app, theirs.adminKey)('GET', `/api/users/${theirs.id}`);
    expect(mine.body).toMatchObject({ id: theirs.id, email: shared.email, name: 'Renamed by B 4' });
    expect(mine.body.memberships).toHaveLength(2);
  });
});

describe('a user two organizations shared before per-organization records existed', () => {
  it('keeps its one id; each organization reads and edits only its own record of the person', async () => {
    const a = await createMeteringTenant(ctx.db);
    const b = await createMeteringTenant(ctx.db);
    const email = uniqueEmail('legacy');
    // What the migration leaves of a user created by A and reused by B: one identity, one record per organization.
    const user = await ctx.db.user.create({ data: {} });
    await ctx.db.organizationUser.create({
      data: { organizationId: a.organizationId, userId: user.id, email, name: 'Alice Moreau' },
    });
    await ctx.db.organizationUser.create({
      data: { organizationId: b.organizationId, userId: user.id, email, name: 'Alice Moreau' },
    });
    await ctx.db.entityUser.create({ data: { entityId: a.entityId, userId: user.id } });
    await ctx.db.entityUser.create({ data: { entityId: b.entityId, userId: user.id, role: 'owner' } });
    const aAdmin: Caller = caller(ctx.app, a.adminKey);
    const bAdmin: Caller = caller(ctx.app, b.adminKey);

    const renamed = await bAdmin('PATCH', `/api/users/${user.id}`, { name: 'A. Moreau (B)' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: user.id, name: 'A. Moreau (B)' });
    expect(renamed.body.memberships.map((m: { entityId: string }) => m.entityId)).toEqual([b.entityId]);

    const seenByA = await aAdmin('GET', `/api/users/${user.id}`);
    expect(seenByA.body).toMatchObject({ id: user.id, email, name: 'Alice Moreau' });
    expect(seenByA.body.memberships.map((m: { entityId: string }) => m.entityId)).toEqual([a.entityId]);
    // B cannot find A's entity through the user either.
    const filtered = await bAdmin('GET', `/api/users?entityId=${a.entityId}`);
    expect(filtered.body.data).toEqual([]);
    // Nor add A's entity to its view of the user.
    expect((await bAdmin('POST', `/api/entities/${a.entityId}/members`, { userId: user.id })).status).toBe(404);
  });
});
