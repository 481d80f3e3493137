// `npm run retention:restore -- <manifest.json>`: restores one organization's archived rows of one day into the
// database (DATABASE_URL, or the local cluster of `npm start`), exactly as they were archived. Checks every file
// against the manifest before restoring anything; rows already present are left as they are (safe to run again).
// Exits 1 when an archive file does not match its manifest.
import path from 'node:path';
import { createDb } from '../activities/db.js';
import { ArchiveIntegrityError } from '../activities/retention/archiveFiles.js';
import { restoreArchive } from '../activities/retention/restoreArchive.js';
import { withDatabase } from './lib/devDatabase.js';

const manifest = process.argv[2];
if (!manifest) {
  console.error('usage: npm run retention:restore -- <archive dir>/<organizationId>/<YYYY-MM-DD>/manifest.json');
  process.exit(2);
}

const code = await withDatabase(async (url) => {
  const db = createDb(url, 2);
  try {
    const result = await restoreArchive(db, path.resolve(manifest));
    console.log(`restored organization ${result.organizationId}, ${result.day}`);
    for (const t of result.tables) {
      console.log(`${t.table}\t${t.rows} archived\t${t.restored} restored\t${t.present} already present`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ArchiveIntegrityError) {
      console.error(`nothing restored: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.$disconnect();
    await db.pg.end();
  }
});
process.exit(code);
