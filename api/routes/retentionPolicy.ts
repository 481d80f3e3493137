// /api/retention-policy: how long the organization's raw events, webhook payloads and attempts, idempotency records
// and audit rows are kept before the `retention` schedule archives and deletes them; financial records are never
// deleted and kept at least 10 years. Read (read scope), changed (admin, audited).
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { readRetentionPolicy, updateRetentionPolicy } from '../../activities/retention/retentionPolicyRecords.js';
import { DEFAULT_RETENTION, MAX_RETENTION_DAYS } from '../../domain/retentionPolicy.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, isoOrNull, json, jsonBody, NullableTimestamp } from '../openapiKit.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Retention'];

const Days = (description: string) =>
  z
    .number()
    .int()
    .max(MAX_RETENTION_DAYS)
    .openapi({ description: `${description} (days)` });

const periods = {
  rawEventDays: Days('A metered event, after the end of the billing period whose invoice billed it; >= 1'),
  webhookPayloadDays: Days(
    'An outbox row (payload) and its deliveries, once dispatched and every delivery ended; >= 1',
  ),
  webhookAttemptDays: Days("A delivery's attempts, once the delivery ended; >= 1 and <= webhookPayloadDays"),
  idempotencyRecordDays: Days('A stored Idempotency-Key response; >= 2 (responses replay for 24 h)'),
  auditLogDays: Days('An audit row; >= 1'),
  financialRecordDays: Days(
    'Invoices, ledger entries, payments, grants, periods and counters are kept at least this long; >= 3650 ' +
      '(10 years). The retention run never deletes them',
  ),
};

const RetentionPolicySchema = z
  .object({
    organizationId: z.uuid(),
    ...periods,
    isDefault: z.boolean().openapi({ description: 'No policy was written yet: these are the defaults' }),
    updatedAt: NullableTimestamp,
  })
  .openapi('RetentionPolicy', {
    example: {
      organizationId: '0193a4c0-0000-7000-8000-000000000001',
      ...DEFAULT_RETENTION,
      isDefault: true,
      updatedAt: null,
    },
  });

const RetentionPolicyPatch = z
  .object(
    Object.fromEntries(Object.entries(periods).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof periods]: z.ZodOptional<(typeof periods)[K]>;
    },
  )
  .openapi('RetentionPolicyPatch', { example: { rawEventDays: 730, auditLogDays: 3650 } });

const readRoute = apiRoute({
  method: 'get',
  path: '/api/retention-policy',
  tags,
  summary: "The organization's retention periods (the defaults until it writes its own)",
  middleware: [requireScope('read')] as const,
  request: {},
  responses: { 200: json(RetentionPolicySchema, 'The policy') },
});

const updateRoute = apiRoute({
  method: 'patch',
  path: '/api/retention-policy',
  tags,
  summary: 'Change retention periods (the ones sent; the others keep their value)',
  description:
    'Refused with 422 and nothing changed: `FINANCIAL_RETENTION_TOO_SHORT` (financialRecordDays under 3650), ' +
    '`RETENTION_PERIOD_TOO_SHORT` (a period under its floor: 1 day, idempotency records 2), ' +
    '`WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS` (webhookAttemptDays over webhookPayloadDays), `VALIDATION_FAILED` (not ' +
    'a whole number, or over 36500). A shorter period applies from the next run of the `retention` schedule.',
  middleware: [requireScope('admin')] as const,
  request: { body: jsonBody(RetentionPolicyPatch) },
  responses: { 200: json(RetentionPolicySchema, 'The policy as changed') },
});

type View = Awaited<ReturnType<typeof readRetentionPolicy>>;
const present = ({ updatedAt, ...rest }: View) => ({ ...rest, updatedAt: isoOrNull(updatedAt) });

export function retentionPolicyRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(readRoute, async (c) =>
      c.json(present(await readRetentionPolicy(deps.db, c.var.auth.organizationId)), 200),
    )
    .openapi(updateRoute, async (c) => {
      const policy = await updateRetentionPolicy(deps.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(policy), 200);
    });
}
