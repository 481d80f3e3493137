// An erasure reaches the archives: every archive file the index says mentions the person (RetentionArchive.userIds)
// is rewritten with the same pseudonymisation the live rows get (activities/users/eraseUser.ts), as a new version put
// in place through the index like any other (archiveIndex.ts), so its checksum in the index and in the day's manifest
// is the new file's and a restore brings back only pseudonyms. Lines are rewritten in SQL (pseudonymise_jsonb), never
// re-serialised in JavaScript, so every other value stays exactly as archived. The caller holds the archive lock.
import path from 'node:path';
import type { Db } from '../db.js';
import { type ArchiveContext, purgeArchive } from './archiveDay.js';
import { nextVersionPath, readLines, verifyFile, writeLines } from './archiveFiles.js';
import { digestOf, placeVersion, settleArchives } from './archiveIndex.js';
import { SQL_NULL_MEMBER } from './archiveRows.js';
import { type ArchivedTable, TABLES } from './retentionTables.js';

export interface Pseudonymisation {
  userId: string;
  /** What to look for: the organization's record of the person before the erasure. */
  email: string;
  name: string;
  /** What to write instead. */
  pseudoEmail: string;
  pseudoName: string;
}

const BATCH = 500;

/**
 * The line rewritten: the person's own events lose their properties, every string naming the person (their email
 * anywhere in it, or exactly their name) is replaced. $1 the lines (JSON array); $2..$6 userId, email, name, pseudonyms.
 */
const REWRITE_SQL = `
  SELECT (pseudonymise_jsonb(
            CASE WHEN $7::boolean AND lower(x->>'userId') = $2 THEN jsonb_set(x, '{properties}', '{}'::jsonb) ELSE x END
              - '${SQL_NULL_MEMBER}',
            $3, $4, $5, $6)
          || CASE WHEN x ? '${SQL_NULL_MEMBER}' THEN jsonb_build_object('${SQL_NULL_MEMBER}', x->'${SQL_NULL_MEMBER}')
                  ELSE '{}'::jsonb END)::text AS line
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS l(x, n)
  ORDER BY n`;

/** Rewrites the archives mentioning the person; answers how many files were rewritten. */
export async function eraseFromArchives(
  db: Db,
  root: string,
  organizationId: string,
  who: Pseudonymisation,
): Promise<number> {
  // Finish what a crashed run left first, so every file is exactly what its index row says.
  const ctx: ArchiveContext = { db, root, organizationId, progress: () => {} };
  for (const row of await settleArchives(db, root, organizationId)) {
    await purgeArchive(ctx, TABLES[row.tableName as ArchivedTable], row);
  }
  const rows = await db.retentionArchive.findMany({
    where: { organizationId, userIds: { has: who.userId } },
    orderBy: [{ day: 'asc' }, { tableName: 'asc' }],
  });
  for (const row of rows) {
    const file = path.join(root, row.file);
    await verifyFile(file, digestOf(row));
    const events = row.tableName === 'MarketplaceEvent';
    async function* rewritten(): AsyncIterable<string> {
      let batch: string[] = [];
      const flush = async function* () {
        const { rows: out } = await db.pg.query<{ line: string }>(REWRITE_SQL, [
          `[${batch.join(',')}]`,
          who.userId.toLowerCase(),
          who.email,
          who.name,
          who.pseudoEmail,
          who.pseudoName,
          events,
        ]);
        batch = [];
        for (const r of out) yield r.line;
      };
      for await (const line of readLines(file)) {
        batch.push(line);
        if (batch.length >= BATCH) yield* flush();
      }
      if (batch.length > 0) yield* flush();
    }
    const next = nextVersionPath(file);
    const digest = await writeLines(next, rewritten());
    await verifyFile(next, digest);
    await placeVersion(
      db,
      root,
      { organizationId, tableName: row.tableName as ArchivedTable, day: row.day },
      { ...digest, purgeFromLine: row.purgeFromLine, purgePending: false, userIds: row.userIds },
    );
  }
  return rows.length;
}
