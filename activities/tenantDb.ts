// The tenant of every query: Postgres row-level security (prisma/migrations/*_row_level_security) lets a transaction
// see and write only the rows of the organization named by its `app.organization_id` setting, and nothing when none
// is set. `tenantDb(db, organizationId)` is a Db whose every Prisma operation runs with that setting:
//   - an interactive transaction (`$transaction(async (tx) => ...)`) sets it first, for everything inside;
//   - an operation outside one (`db.team.findMany(...)`, `db.$queryRaw`) runs in a transaction of its own that sets
//     it first (a setting of a transaction, not of the pooled connection, so it can never leak to the next user of
//     the connection).
// The metering hot path, on plain `pg`, sets it in its own BEGIN (`tenantSettingSql`); a tenant's `pg` (tenantPool)
// does the same for every query and transaction made through it (retention, erasure). Nothing here decides which
// organization a caller is: the API takes it from the API key, the worker from the row its activity is about
// (`organizationOf`), and the few jobs that span organizations say so where they do (docs/architecture.md, "Tenant
// isolation").
import type pg from 'pg';
import type { Db, Prisma } from './db.js';
import { TtlCache } from './ttlCache.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The setting the policies read (through app_current_organization()). */
export const TENANT_SETTING = 'app.organization_id';

/**
 * The tenant of the bootstrap admin key, which belongs to no organization: it sees the rows that belong to none (its
 * audit entries and Idempotency-Key records) and nothing else.
 */
export const PLATFORM_TENANT = '00000000-0000-0000-0000-000000000000';

function checkedTenant(organizationId: string): string {
  if (!UUID.test(organizationId)) throw new Error(`tenant must be an organization id (a UUID), got ${organizationId}`);
  return organizationId.toLowerCase();
}

/** `SET LOCAL` of the tenant, as a statement to send right after BEGIN (the id is checked to be a UUID). */
export function tenantSettingSql(organizationId: string): string {
  return `SET LOCAL ${TENANT_SETTING} = '${checkedTenant(organizationId)}'`;
}

/** A standalone operation's own transaction may wait this long for a connection and run this long. */
const STANDALONE = { maxWait: 30_000, timeout: 60_000 } as const;

type AnyArgs = unknown;
interface OperationParams {
  model?: string;
  operation: string;
  args: AnyArgs;
  query: (args: AnyArgs) => Promise<unknown>;
  __internalParams?: { transaction?: unknown };
}

const roots = new WeakMap<object, Db>();
const tenants = new WeakMap<Db, TtlCache<Db>>();

/** The process's own Db behind a tenant's (itself for the process's own): for the few lookups that span tenants. */
export const rootDb = (db: Db): Db => roots.get(db) ?? db;

/**
 * `db` with every operation scoped to `organizationId`. Built once per organization and process (kept an hour after
 * last use, at most 1,000), so calling it per request costs a map lookup.
 */
export function tenantDb(db: Db, organizationId: string): Db {
  const tenant = checkedTenant(organizationId);
  const root = rootDb(db);
  if (db.tenant === tenant) return db;
  let cache = tenants.get(root);
  if (!cache) {
    cache = new TtlCache<Db>(60 * 60_000, 1_000);
    tenants.set(root, cache);
  }
  const hit = cache.get(tenant);
  if (hit) {
    cache.set(tenant, hit);
    return hit;
  }
  const scoped = buildTenantDb(root, tenant);
  roots.set(scoped, root);
  cache.set(tenant, scoped);
  return scoped;
}

function buildTenantDb(root: Db, tenant: string): Db {
  const setTenant = (tx: Prisma.TransactionClient) =>
    tx.$executeRaw`SELECT set_config(${TENANT_SETTING}, ${tenant}, true)`;
  const standalone = (operation: string, model: string | undefined, args: AnyArgs) =>
    root.$transaction(async (tx) => {
      await setTenant(tx);
      const client = tx as unknown as Record<string, Record<string, (a: AnyArgs) => Promise<unknown>>>;
      if (model)
        return (client[delegateName(model)] as Record<string, (a: AnyArgs) => Promise<unknown>>)[operation]?.(args);
      const raw = tx as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return operation.endsWith('Unsafe') ? raw[operation]?.(...(args as unknown[])) : raw[operation]?.(args);
    }, STANDALONE);

  const pool = tenantPool(root.pg, tenant);
  const extended = root.$extends({
    query: {
      async $allOperations(params) {
        const { model, operation, args, query, __internalParams } = params as unknown as OperationParams;
        // Inside one of our transactions the tenant is already set.
        if (__internalParams?.transaction) return query(args);
        return standalone(operation, model, args);
      },
    },
  });

  const $transaction = (arg: unknown, options?: Parameters<Db['$transaction']>[1]) => {
    if (typeof arg !== 'function') {
      throw new Error('tenantDb: use an interactive transaction ($transaction(async (tx) => ...))');
    }
    const fn = arg as (tx: Prisma.TransactionClient) => Promise<unknown>;
    return extended.$transaction(async (tx) => {
      await setTenant(tx as unknown as Prisma.TransactionClient);
      return fn(tx as unknown as Prisma.TransactionClient);
    }, options);
  };

  return new Proxy(extended, {
    get(target, property) {
      if (property === '$transaction') return $transaction;
      if (property === 'pg') return pool;
      if (property === 'tenant') return tenant;
      return Reflect.get(target, property);
    },
  }) as unknown as Db;
}

/**
 * The process's pool as one organization: `query` runs in a transaction of its own that sets the tenant first, and a
 * client from `connect` sets it in every BEGIN sent through it (a client used outside a transaction sees nothing, as
 * for a Db with no tenant). Only what the tenant's code uses of pg.Pool: query, connect, and the pool's counters.
 */
const bound = (target: object, property: string | symbol) => {
  const value = Reflect.get(target, property);
  return typeof value === 'function' ? value.bind(target) : value;
};

function tenantPool(root: pg.Pool, tenant: string): pg.Pool {
  const begin = `BEGIN; ${tenantSettingSql(tenant)}`;
  const connect = async () => {
    const client = await root.connect();
    return new Proxy(client, {
      get(target, property) {
        if (property !== 'query') return bound(target, property);
        return (text: unknown, ...rest: unknown[]) =>
          (target.query as (...a: unknown[]) => unknown).call(
            target,
            typeof text === 'string' && /^\s*begin\s*;?\s*$/i.test(text) ? begin : text,
            ...rest,
          );
      },
    });
  };
  const query = async (text: string, values?: unknown[]) => {
    const client = await root.connect();
    try {
      await client.query(begin);
      const result = await client.query(text, values);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
  return new Proxy(root, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'connect') return connect;
      // The process's pool is the process's to close.
      if (property === 'end') return () => Promise.resolve();
      return bound(target, property);
    },
  });
}

/** Prisma's client property of a model: the model's name with its first letter lower-cased. */
const delegateName = (model: string) => model.charAt(0).toLowerCase() + model.slice(1);

/** The kinds of row `organizationOf` can find the organization of (app_organization_of in the migration). */
export type TenantRowKind =
  | 'organization'
  | 'entity'
  | 'billing_period'
  | 'invoice'
  | 'subscription'
  | 'credit_grant'
  | 'webhook_event'
  | 'webhook_delivery'
  | 'billing_job'
  | 'payment'
  | 'refund'
  | 'dispute'
  | 'test_clock';

/** A row never changes organization, so the answer is kept (an hour, at most 100,000 rows). */
const owners = new TtlCache<string>(60 * 60_000, 100_000);

/**
 * The organization a row belongs to, or null for an unknown id: how a worker activity, given an entity's (invoice's,
 * ...) id by its workflow, finds the tenant to act as. Through a SECURITY DEFINER function that returns the id only.
 */
export async function organizationOf(db: Db, kind: TenantRowKind, id: string): Promise<string | null> {
  if (!UUID.test(id)) return null;
  const key = `${kind}:${id.toLowerCase()}`;
  const known = owners.get(key);
  if (known) return known;
  const [row] = await rootDb(db).$queryRaw<Array<{ organizationId: string | null }>>`
    SELECT app_organization_of(${kind}, ${id}::uuid) AS "organizationId"`;
  const organizationId = row?.organizationId ?? null;
  if (organizationId) owners.set(key, organizationId);
  return organizationId;
}

/** Matches no organization: the tenant of an activity given an id that does not exist, which then finds nothing. */
export const NO_TENANT = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/**
 * `tenantDb` of the organization the row belongs to. For an unknown id, a Db of no organization: the activity's own
 * lookup finds nothing and answers as it always did for a missing row.
 */
export async function tenantDbOf(db: Db, kind: TenantRowKind, id: string): Promise<Db> {
  return tenantDb(db, (await organizationOf(db, kind, id)) ?? NO_TENANT);
}
