// The two database roles. The owner (DATABASE_URL) owns the tables: migrations, the seed, the release step and the
// invariant checker run as it, and it must be a superuser or have BYPASSRLS, because every table forces row-level
// security. The API and the worker connect as the application role, `billing_app` (APP_DATABASE_URL), which owns
// nothing and bypasses nothing: each of their transactions sees one organization's rows (activities/tenantDb.ts).
import type { Db } from './db.js';

/** Created by the row-level security migration; granted what the API and the worker do, and nothing more. */
export const APPLICATION_ROLE = 'billing_app';

/**
 * APP_DATABASE_URL, or DATABASE_URL with the application role as the user and no password: what works on the local
 * clusters of `npm start` and `npm test`, which trust local connections. Anywhere else set APP_DATABASE_URL (and give
 * the role a password: the release step does, from that URL).
 */
export function applicationDatabaseUrl(env: { DATABASE_URL: string; APP_DATABASE_URL?: string | undefined }): string {
  if (env.APP_DATABASE_URL) return env.APP_DATABASE_URL;
  const url = new URL(env.DATABASE_URL);
  url.username = APPLICATION_ROLE;
  url.password = '';
  return url.toString();
}

/**
 * Refuses to run an owner's tool (the invariant checker) on a connection that row-level security holds: it would see
 * no organization's rows and report that all is well.
 */
export async function assertSeesEveryTenant(db: Db): Promise<void> {
  const [role] = await db.$queryRaw<Array<{ name: string; bypasses: boolean }>>`
    SELECT rolname AS name, rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = current_user`;
  if (!role?.bypasses) {
    throw new Error(
      `The database role "${role?.name}" is held by row-level security and would see no organization's rows: run ` +
        "this as the tables' owner (DATABASE_URL), a superuser or a role with BYPASSRLS.",
    );
  }
}

/**
 * Refuses to run the API or the worker on a connection that row-level security would not hold: a superuser, a role
 * with BYPASSRLS, or the owner of a table (the owner is held only while FORCE stays on, which a migration could undo).
 */
export async function assertApplicationRole(db: Db): Promise<void> {
  const [role] = await db.$queryRaw<Array<{ name: string; superuser: boolean; bypassRls: boolean; owns: boolean }>>`
    SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
      EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user) AS owns
    FROM pg_roles r WHERE r.rolname = current_user`;
  if (!role) throw new Error('cannot read the database role of this connection');
  const why = role.superuser
    ? 'is a superuser'
    : role.bypassRls
      ? 'has BYPASSRLS'
      : role.owns
        ? 'owns the tables'
        : null;
  if (why) {
    throw new Error(
      `The database role "${role.name}" ${why}: row-level security would not hold. Connect the API and the worker as ` +
        `${APPLICATION_ROLE} (APP_DATABASE_URL; see README.md, "Security").`,
    );
  }
}
