// /api/test-clocks: simulated time for test entities (Stripe's test clocks). Create a clock, create entities with its
// `testClockId`, advance it: their billing, subscription, credit-expiry and collection workflows run on its time.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  beginTestClockAdvance,
  createTestClock,
  deleteTestClock,
  findTestClock,
  listTestClocks,
} from '../../activities/testClocks/testClockRecords.js';
import { startTestClockAdvance } from '../../temporal/testClockAdvance.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, Deleted, idParam, iso, isoDateTime, json, jsonBody, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const TestClockSchema = z
  .object({
    id: z.uuid(),
    object: z.literal('test_clock'),
    name: z.string(),
    frozenTime: Timestamp.openapi({ description: "The clock's time: what its entities bill on" }),
    status: z.enum(['ready', 'advancing']).openapi({
      description: "advancing: the entities' workflows are catching up with frozenTime; ready: they have",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('TestClock', {
    example: {
      id: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f71',
      object: 'test_clock',
      name: 'December renewal',
      frozenTime: '2026-12-01T00:00:00.000Z',
      status: 'ready',
      createdAt: '2026-12-07T10:00:00.000Z',
      updatedAt: '2026-12-07T10:00:00.000Z',
    },
  });
const NewTestClock = z
  .strictObject({ name: z.string().min(1).max(200), frozenTime: isoDateTime() })
  .openapi('NewTestClock', { example: { name: 'December renewal', frozenTime: '2026-12-01T00:00:00Z' } });
const AdvanceTestClock = z
  .strictObject({ frozenTime: isoDateTime() })
  .openapi('AdvanceTestClock', { example: { frozenTime: '2027-01-01T00:00:00Z' } });

const tags = ['Test clocks'];
const Params = idParam('testClockId');

const createRoute = apiRoute({
  method: 'post',
  path: '/api/test-clocks',
  tags,
  summary: 'Create a test clock frozen at a time',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewTestClock) },
  responses: { 201: json(TestClockSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: '/api/test-clocks',
  tags,
  summary: 'List test clocks',
  middleware: [requireScope('read')],
  request: { query: ListQuery },
  responses: { 200: json(listSchema(TestClockSchema, 'TestClockList'), 'Test clocks') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/test-clocks/{testClockId}',
  tags,
  summary: 'Read a test clock (poll status until ready after an advance)',
  middleware: [requireScope('read')],
  request: { params: Params },
  responses: { 200: json(TestClockSchema, 'The test clock') },
});
const advanceRoute = apiRoute({
  method: 'post',
  path: '/api/test-clocks/{testClockId}/advance',
  tags,
  summary: 'Advance a test clock',
  description:
    'Moves frozenTime forward (never back: 422 TEST_CLOCK_BACKWARDS) and answers at once with status advancing; ' +
    "the entities' workflows then do what falls due up to the new time (period closes, renewals, credit expiry, " +
    'payment retries) and the clock turns ready. 409 TEST_CLOCK_ADVANCING while an advance runs.',
  middleware: [requireScope('admin')],
  request: { params: Params, body: jsonBody(AdvanceTestClock) },
  responses: { 200: json(TestClockSchema, 'Advancing') },
});
const deleteRoute = apiRoute({
  method: 'delete',
  path: '/api/test-clocks/{testClockId}',
  tags,
  summary: 'Delete a test clock (its entities keep its last time)',
  middleware: [requireScope('admin')],
  request: { params: Params },
  responses: { 200: json(Deleted, 'Deleted') },
});

type TestClockRow = NonNullable<Awaited<ReturnType<typeof findTestClock>>>;
const present = (t: TestClockRow) => ({
  id: t.id,
  object: 'test_clock' as const,
  name: t.name,
  frozenTime: iso(t.frozenTime),
  status: t.status,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});

export function testClockRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const body = c.req.valid('json');
      const clock = await createTestClock(c.var.db, actorOf(c), c.var.auth.organizationId, {
        name: body.name,
        frozenTime: new Date(body.frozenTime),
      });
      return c.json(present(clock), 201);
    })
    .openapi(listRoute, async (c) => {
      const page = await listTestClocks(c.var.db, c.var.auth.organizationId, pageRequest(c.req.valid('query')));
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const clock = await findTestClock(c.var.db, c.var.auth.organizationId, c.req.valid('param').testClockId);
      if (!clock) throw notFound('test clock');
      return c.json(present(clock), 200);
    })
    .openapi(advanceRoute, async (c) => {
      const { testClockId } = c.req.valid('param');
      const to = new Date(c.req.valid('json').frozenTime);
      const clock = await beginTestClockAdvance(c.var.db, actorOf(c), c.var.auth.organizationId, testClockId, to);
      // The advance is recorded: should this start fail, a retry of the request finds the clock advancing (409),
      // so the start is retried here and only then reported.
      await startTestClockAdvance(deps, clock);
      return c.json(present(clock), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const clock = await deleteTestClock(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').testClockId,
      );
      return c.json({ id: clock.id, object: 'test_clock', deleted: true as const }, 200);
    });
}
