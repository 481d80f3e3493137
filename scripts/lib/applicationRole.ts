// The application role's login (activities/databaseRoles.ts): the row-level security migration creates `billing_app`
// without a password, which logs in only where the server trusts the connection (the local clusters of `npm start`
// and `npm test`). A deployment names the role's password in APP_DATABASE_URL; the release step sets it, as the owner.
import pg from 'pg';
import { APPLICATION_ROLE } from '../../activities/databaseRoles.js';

/** Sets the password of APP_DATABASE_URL on the application role; returns the role, or null when there is none to set. */
export async function setApplicationRolePassword(ownerUrl: string, appUrl: string): Promise<string | null> {
  const url = new URL(appUrl);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  // Another login role (one granted billing_app) is the operator's to manage.
  if (!password || user !== APPLICATION_ROLE) return null;
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // ALTER ROLE takes no parameters: the password is quoted as a literal by the server's own quote_literal.
    const { rows } = await client.query<{ sql: string }>(
      `SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', $1::text, $2::text) AS sql`,
      [APPLICATION_ROLE, password],
    );
    await client.query((rows[0] as { sql: string }).sql);
  } finally {
    await client.end();
  }
  return APPLICATION_ROLE;
}
