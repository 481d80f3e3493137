// /api/retention-policy: how long the organization's raw events, webhook payloads and attempts, idempotency records
// and audit rows are kept before the `retention` schedule archives and deletes them; financial records are never
// deleted and kept at least 10 years. Read (read scope), changed (admin, audited). /api/retention/archives: the
// archive index (one archive file per table and UTC day, with its checksum), for finding the manifest to restore.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { listArchives } from '../../activities/retention/archiveIndex.js';
import { readRetentionPolicy, updateRetentionPolicy } from '../../activities/retention/retentionPolicyRecords.js';
import { ARCHIVE_ORDER } from '../../activities/retention/retentionTables.js';
import {
  DEFAULT_RETENTION,
  LEGAL_FINANCIAL_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  MIN_IDEMPOTENCY_RECORD_DAYS,
} from '../../domain/retentionPolicy.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, iso, isoOrNull, json, jsonBody, NullableTimestamp, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Retention'];

/**
 * A retention period in days. Its minimum is stated in the document (so clients and fuzzers know it) and enforced by
 * the domain rules, which answer their own codes (FINANCIAL_RETENTION_TOO_SHORT, RETENTION_PERIOD_TOO_SHORT).
 */
const Days = (description: string, minimum: number, example: number) =>
  z
    .number()
    .int()
    .max(MAX_RETENTION_DAYS)
    .openapi({ description: `${description} (days)`, minimum, example });

const periods = {
  rawEventDays: Days('A metered event, after the end of the billing period whose invoice billed it; >= 1', 1, 730),
  webhookPayloadDays: Days(
    'An outbox row (payload) and its deliveries, once dispatched and every delivery ended; >= 1',
    1,
    90,
  ),
  webhookAttemptDays: Days("A delivery's attempts, once the delivery ended; >= 1 and <= webhookPayloadDays", 1, 30),
  idempotencyRecordDays: Days(
    'A stored Idempotency-Key response; >= 2 (responses replay for 24 h)',
    MIN_IDEMPOTENCY_RECORD_DAYS,
    7,
  ),
  auditLogDays: Days('An audit row; >= 1', 1, 2555),
  financialRecordDays: Days(
    'Invoices, ledger entries, payments, grants, periods and counters are kept at least this long; >= 3650 ' +
      '(10 years). The retention run never deletes them',
    LEGAL_FINANCIAL_RETENTION_DAYS,
    3650,
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
  .strictObject(
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

const ArchiveTable = z.enum(ARCHIVE_ORDER as unknown as [string, ...string[]]);

const ArchiveSchema = z
  .object({
    id: z.uuid(),
    table: ArchiveTable,
    day: z.string().openapi({ format: 'date', example: '2026-01-31' }),
    file: z.string().openapi({ description: 'Relative to RETENTION_ARCHIVE_DIR' }),
    manifest: z.string().openapi({ description: "The day's manifest, relative to RETENTION_ARCHIVE_DIR" }),
    rows: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string(),
    purgePending: z.boolean().openapi({ description: 'Archived and verified; its rows are being deleted' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('RetentionArchive', {
    example: {
      id: '0193a4c0-0000-7000-8000-0000000000aa',
      table: 'MarketplaceEvent',
      day: '2026-01-31',
      file: '0193a4c0-0000-7000-8000-000000000001/2026-01-31/MarketplaceEvent.jsonl.gz',
      manifest: '0193a4c0-0000-7000-8000-000000000001/2026-01-31/manifest.json',
      rows: 1200,
      bytes: 48213,
      sha256: '9f2c4a0e7c1d5b3a8e6f4d2c0b9a8e7f6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a',
      purgePending: false,
      createdAt: '2027-03-03T03:30:12.000Z',
      updatedAt: '2027-03-03T03:30:12.000Z',
    },
  });

const listArchivesRoute = apiRoute({
  method: 'get',
  path: '/api/retention/archives',
  tags,
  summary: 'The archive index: what the retention run archived, by table and UTC day',
  description:
    'Restore a day with `npm run retention:restore -- <RETENTION_ARCHIVE_DIR>/<manifest>`; rows come back exactly as ' +
    'they were archived.',
  middleware: [requireScope('admin')] as const,
  request: {
    query: ListQuery.extend({
      day: z.iso
        .date()
        .optional()
        .openapi({ example: '2026-01-31', pattern: z.regexes.date.source.replaceAll('\\d', '[0-9]') }),
      table: ArchiveTable.optional(),
    }),
  },
  responses: { 200: json(listSchema(ArchiveSchema, 'RetentionArchiveList'), 'Archive files') },
});

type ArchiveRow = Awaited<ReturnType<typeof listArchives>>['items'][number];
const presentArchive = (r: ArchiveRow) => ({
  id: r.id,
  table: r.tableName,
  day: r.day.toISOString().slice(0, 10),
  file: r.file,
  manifest: `${r.file.slice(0, r.file.lastIndexOf('/'))}/manifest.json`,
  rows: r.rowCount,
  bytes: r.bytes,
  sha256: r.sha256,
  purgePending: r.purgePending,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

type View = Awaited<ReturnType<typeof readRetentionPolicy>>;
const present = ({ updatedAt, ...rest }: View) => ({ ...rest, updatedAt: isoOrNull(updatedAt) });

export function retentionPolicyRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(readRoute, async (c) =>
      c.json(present(await readRetentionPolicy(c.var.db, c.var.auth.organizationId)), 200),
    )
    .openapi(updateRoute, async (c) => {
      const policy = await updateRetentionPolicy(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(policy), 200);
    })
    .openapi(listArchivesRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listArchives(
        c.var.db,
        c.var.auth.organizationId,
        { day: q.day ? new Date(`${q.day}T00:00:00.000Z`) : undefined, tableName: q.table },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentArchive), 200);
    });
}
