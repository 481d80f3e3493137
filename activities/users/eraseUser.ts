// Erasure of a person (POST /api/users/{id}/erase): the organization's record of them and everything personal it
// holds about them becomes a pseudonym, everywhere it is kept, while the books stay as they are: ids, amounts,
// quantities, dates and every financial record are untouched, so invoices, the ledger and the invariants do not move.
//
// What changes, in the organization's rows only:
//   - its record of the person: email `erased-<userId>@erased.invalid`, name `Erased user`, erasedAt; the shared
//     identity row (User) keeps no email or name either
//   - the person's metered events lose their properties; any other JSON that names them (their email anywhere in a
//     string, or a string that is exactly their name): other events' properties, audit rows, webhook payloads, stored
//     Idempotency-Key responses, billing job parameters (an import's event file)
//   - the archive files that mention them (retention/archiveErasure.ts), with new checksums in the index and manifests
//
// Idempotent: erasing an erased person changes nothing and answers the same. The pseudonymisation runs before the
// record changes (the record holds what to look for), in batches of short transactions, under the organization's
// archive lock (no retention run rewrites the same files meanwhile); a crash midway is finished by calling again.
// The erasure is audited without what was erased.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { ResourceNotFoundError } from '../resourceErrors.js';
import { eraseFromArchives, type Pseudonymisation } from '../retention/archiveErasure.js';
import { withArchiveLock } from '../retention/organizationLock.js';

const BATCH = 1000;
/** How long an erasure waits for a retention run of the organization to finish with its archives. */
const ARCHIVE_LOCK_WAIT_MS = 30_000;

export const pseudonymOf = (userId: string) => ({
  email: `erased-${userId.toLowerCase()}@erased.invalid`,
  name: 'Erased user',
});

export interface ErasureCounts {
  events: number;
  auditRows: number;
  webhookPayloads: number;
  idempotencyRecords: number;
  billingJobs: number;
  archiveFiles: number;
}

/** `%…%` for ILIKE, with LIKE's own characters escaped. */
const containing = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Pseudonymises one JSON column of an organization's rows, batch by batch in id order: $1 the organization,
 * $2 ids after, then the terms. `owned` selects the organization's rows of the table (alias t).
 */
async function scrubColumn(
  db: Db,
  table: string,
  columns: string[],
  owned: string,
  organizationId: string,
  who: Pseudonymisation,
): Promise<number> {
  const emailLike = containing(who.email);
  // A string equal to the name appears in the JSON text as the name, JSON-escaped.
  const nameLike = containing(JSON.stringify(who.name).slice(1, -1));
  const matches = columns.map((c) => `t."${c}"::text ILIKE $2 OR t."${c}"::text ILIKE $3`).join(' OR ');
  const sets = columns.map((c) => `"${c}" = pseudonymise_jsonb(t."${c}", $4, $5, $6, $7)`).join(', ');
  let after = '00000000-0000-0000-0000-000000000000';
  let changed = 0;
  for (;;) {
    const { rows } = await db.pg.query<{ id: string }>(
      `SELECT t.id::text AS id FROM "${table}" t WHERE ${owned} AND t.id > $2::uuid ORDER BY t.id LIMIT ${BATCH}`,
      [organizationId, after],
    );
    if (rows.length === 0) return changed;
    after = rows[rows.length - 1]?.id as string;
    const updated = await db.pg.query(`UPDATE "${table}" t SET ${sets} WHERE t.id = ANY($1::uuid[]) AND (${matches})`, [
      rows.map((r) => r.id),
      emailLike,
      nameLike,
      who.email,
      who.name,
      who.pseudoEmail,
      who.pseudoName,
    ]);
    changed += updated.rowCount ?? 0;
  }
}

/** The person's own events lose their properties; other events' properties lose what names the person. */
async function scrubEvents(db: Db, organizationId: string, who: Pseudonymisation): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let changed = 0;
  for (;;) {
    const { rows } = await db.pg.query<{ id: string }>(
      `SELECT e.id::text AS id FROM "MarketplaceEvent" e
        WHERE e."entityId" IN (SELECT id FROM "Entity" WHERE "organizationId" = $1::uuid) AND e.id > $2::uuid
        ORDER BY e.id LIMIT ${BATCH}`,
      [organizationId, after],
    );
    if (rows.length === 0) return changed;
    after = rows[rows.length - 1]?.id as string;
    const updated = await db.pg.query(
      `UPDATE "MarketplaceEvent" e
          SET properties = CASE WHEN e."userId" = $2::uuid THEN '{}'::jsonb
                                ELSE pseudonymise_jsonb(e.properties, $5, $6, $7, $8) END
        WHERE e.id = ANY($1::uuid[])
          AND ((e."userId" = $2::uuid AND e.properties <> '{}'::jsonb)
               OR e.properties::text ILIKE $3 OR e.properties::text ILIKE $4)`,
      [
        rows.map((r) => r.id),
        who.userId,
        containing(who.email),
        containing(JSON.stringify(who.name).slice(1, -1)),
        who.email,
        who.name,
        who.pseudoEmail,
        who.pseudoName,
      ],
    );
    changed += updated.rowCount ?? 0;
  }
}

/** An import's event file: the person's events lose their properties (the rest as for any JSON). */
async function scrubImportedEvents(db: Db, organizationId: string, who: Pseudonymisation): Promise<number> {
  const updated = await db.pg.query(
    `UPDATE "BillingJob" j
        SET params = jsonb_set(j.params, '{events}', (
          SELECT coalesce(jsonb_agg(CASE WHEN lower(ev->>'userId') = $2 THEN ev || '{"properties": {}}'::jsonb ELSE ev END
                                    ORDER BY n), '[]'::jsonb)
          FROM jsonb_array_elements(j.params->'events') WITH ORDINALITY AS x(ev, n)))
      WHERE j."organizationId" = $1::uuid AND jsonb_typeof(j.params->'events') = 'array'
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(j.params->'events') AS y(ev)
                    WHERE lower(ev->>'userId') = $2 AND ev->'properties' IS NOT NULL AND ev->'properties' <> '{}'::jsonb)`,
    [organizationId, who.userId.toLowerCase()],
  );
  return updated.rowCount ?? 0;
}

export interface ErasedUser {
  userId: string;
  email: string;
  name: string;
  erasedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Erases the person from the organization's data. 404 (ResourceNotFoundError) when the organization has no record of
 * them, whatever another organization has.
 */
export async function eraseUser(
  db: Db,
  archiveDir: string,
  actor: Actor,
  organizationId: string,
  userId: string,
  now = new Date(),
): Promise<ErasedUser> {
  const key = { organizationId_userId: { organizationId, userId } };
  const found = await db.organizationUser.findUnique({ where: key });
  if (!found) throw new ResourceNotFoundError('user');
  if (found.erasedAt) return { ...found, erasedAt: found.erasedAt };

  return withArchiveLock(db, organizationId, ARCHIVE_LOCK_WAIT_MS, async () => {
    const record = await db.organizationUser.findUniqueOrThrow({ where: key });
    if (record.erasedAt) return { ...record, erasedAt: record.erasedAt };
    const pseudonym = pseudonymOf(userId);
    const who: Pseudonymisation = {
      userId,
      email: record.email,
      name: record.name,
      pseudoEmail: pseudonym.email,
      pseudoName: pseudonym.name,
    };
    const counts: ErasureCounts = {
      archiveFiles: await eraseFromArchives(db, archiveDir, organizationId, who),
      events: await scrubEvents(db, organizationId, who),
      auditRows: await scrubColumn(
        db,
        'AuditLog',
        ['before', 'after'],
        `t."organizationId" = $1::uuid`,
        organizationId,
        who,
      ),
      webhookPayloads: await scrubColumn(
        db,
        'WebhookEvent',
        ['payload'],
        `t."organizationId" = $1::uuid`,
        organizationId,
        who,
      ),
      idempotencyRecords: await scrubColumn(
        db,
        'IdempotencyRecord',
        ['responseBody'],
        `t."organizationId" = $1::uuid`,
        organizationId,
        who,
      ),
      billingJobs:
        (await scrubImportedEvents(db, organizationId, who)) +
        (await scrubColumn(db, 'BillingJob', ['params'], `t."organizationId" = $1::uuid`, organizationId, who)),
    };
    return db.$transaction(async (tx) => {
      const erased = await tx.organizationUser.update({
        where: key,
        data: { email: pseudonym.email, name: pseudonym.name, erasedAt: now },
      });
      await tx.user.updateMany({
        where: { id: userId, OR: [{ email: { not: null } }, { name: { not: null } }] },
        data: { email: null, name: null },
      });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'user.erase',
        targetType: 'user',
        targetId: userId,
        after: { erasedAt: now, changed: counts },
      });
      return { ...erased, erasedAt: now };
    });
  });
}
