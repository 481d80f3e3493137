// Row-level security on every table (prisma/migrations/*_row_level_security, activities/tenantDb.ts): as the
// application role, a query that names no tenant sees no row and writes none, and a tenant sees and writes only its
// own organization's rows.
//
// The tables come from the catalog, not from a list: a table added without row-level security fails here. So do its
// fixture rows: one row per table and organization, made from the catalog too (every NOT NULL column given a value of
// its type, every foreign key pointing at the same organization's fixture row), so a new table needs no edit here.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDb, type Db } from '../../activities/db.js';
import { organizationOf, tenantDb } from '../../activities/tenantDb.js';
import { testAppDb, testDb } from '../support/services.js';

/** Tables that hold no organization's data. */
const NOT_TENANT_TABLES = new Set(['_prisma_migrations']);

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  enumLabel: string | null;
  references: { table: string; column: string } | null;
}

interface Table {
  name: string;
  rowSecurity: boolean;
  forced: boolean;
  policies: number;
  primaryKey: string[];
  columns: Column[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function readCatalog(client: pg.Client): Promise<Table[]> {
  const { rows } = await client.query<{ name: string; rowSecurity: boolean; forced: boolean; policies: number }>(`
    SELECT c.relname AS name, c.relrowsecurity AS "rowSecurity", c.relforcerowsecurity AS forced,
      (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`);
  const { rows: columns } = await client.query<
    Column & { table: string; refTable: string | null; refColumn: string | null }
  >(`
    SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
      a.atthasdef AS "hasDefault",
      (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1) AS "enumLabel",
      (SELECT rc.relname FROM pg_constraint k JOIN pg_class rc ON rc.oid = k.confrelid
        WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.conkey = ARRAY[a.attnum]) AS "refTable",
      (SELECT ra.attname FROM pg_constraint k JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
        WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.conkey = ARRAY[a.attnum]) AS "refColumn"
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum`);
  const { rows: keys } = await client.query<{ table: string; column: string }>(`
    SELECT c.relname AS table, a.attname AS column
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE n.nspname = 'public' AND i.indisprimary ORDER BY c.relname, k.ord`);
  return rows.map((t) => ({
    ...t,
    primaryKey: keys.filter((k) => k.table === t.name).map((k) => k.column),
    columns: columns
      .filter((c) => c.table === t.name)
      .map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.notNull,
        hasDefault: c.hasDefault,
        enumLabel: c.enumLabel,
        references: c.refTable && c.refColumn ? { table: c.refTable, column: c.refColumn } : null,
      })),
  }));
}

/** Parents before children (nullable references, but to the organization, are left empty). */
function inInsertOrder(tables: Table[]): Table[] {
  const ordered: Table[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.find(
      (t) =>
        !placed.has(t.name) &&
        t.columns.every(
          (c) =>
            !c.references ||
            (!c.notNull && c.name !== 'organizationId') ||
            c.references.table === t.name ||
            placed.has(c.references.table),
        ),
    );
    if (!next)
      throw new Error(
        `foreign keys form a cycle among ${tables.filter((t) => !placed.has(t.name)).map((t) => t.name)}`,
      );
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

type Row = Record<string, unknown>;

/** A value of the column's type for a fixture row; undefined: leave the column to its default or NULL. */
function valueFor(table: Table, column: Column, organizationId: string, made: Map<string, Row>): unknown {
  if (column.name === 'organizationId') return organizationId;
  if (table.name === 'Organization' && column.name === 'id') return organizationId;
  if (column.references) {
    if (!column.notNull) return undefined;
    const parent = made.get(`${column.references.table}:${organizationId}`);
    if (!parent) throw new Error(`${table.name}.${column.name}: no fixture row of ${column.references.table}`);
    return parent[column.references.column];
  }
  if (!column.notNull || column.hasDefault) return undefined;
  const type = column.type;
  if (column.enumLabel !== null) return column.enumLabel;
  if (type === 'uuid') return randomUUID();
  if (type === 'text' || type.startsWith('character varying'))
    return `rls-${table.name}-${column.name}-${randomUUID()}`;
  if (type.startsWith('character(')) return 'USD';
  if (type.startsWith('numeric') || type === 'integer' || type === 'bigint' || type === 'smallint') return 1;
  if (type === 'boolean') return false;
  if (type.startsWith('timestamp')) return new Date();
  if (type === 'date') return '2026-01-01';
  if (type === 'jsonb' || type === 'json') return '{}';
  if (type.endsWith('[]')) return '{}';
  throw new Error(`${table.name}.${column.name}: no fixture value for type ${type}; teach valueFor() this type`);
}

/** Inserts one fixture row per table for the organization, as the owner, in its tenant; returns each row's key. */
async function insertFixtureRows(owner: pg.Client, tables: Table[], organizationId: string, made: Map<string, Row>) {
  await owner.query('BEGIN');
  await owner.query(`SELECT set_config('app.organization_id', $1, true)`, [organizationId]);
  for (const table of tables) {
    const row: Row = {};
    for (const column of table.columns) {
      const value = valueFor(table, column, organizationId, made);
      if (value !== undefined) row[column.name] = value;
    }
    const names = Object.keys(row);
    const { rows } = await owner.query(
      `INSERT INTO ${quote(table.name)} (${names.map(quote).join(', ')})
       VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      Object.values(row),
    );
    made.set(`${table.name}:${organizationId}`, rows[0] as Row);
  }
  await owner.query('COMMIT');
}

let owner: pg.Client;
let app: pg.Client;
let tables: Table[];
const orgA = randomUUID();
const orgB = randomUUID();
const made = new Map<string, Row>();

const keyOf = (table: Table, organizationId: string): unknown[] => {
  const row = made.get(`${table.name}:${organizationId}`) as Row;
  return table.primaryKey.map((c) => row[c]);
};
const whereKey = (table: Table, offset = 0) =>
  table.primaryKey.map((c, i) => `${quote(c)} = $${i + 1 + offset}`).join(' AND ');

/** Runs `fn` on the application role's connection in a transaction that is rolled back, as `tenant` (or as no one). */
async function asTenant<T>(tenant: string | null, fn: () => Promise<T>): Promise<T> {
  await app.query('BEGIN');
  try {
    if (tenant) await app.query(`SELECT set_config('app.organization_id', $1, true)`, [tenant]);
    return await fn();
  } finally {
    await app.query('ROLLBACK');
  }
}

const visible = (table: Table, organizationId: string) =>
  app
    .query(`SELECT 1 FROM ${quote(table.name)} WHERE ${whereKey(table)}`, keyOf(table, organizationId))
    .then((r) => r.rowCount);

beforeAll(async () => {
  owner = new pg.Client({ connectionString: inject('databaseUrl') });
  app = new pg.Client({ connectionString: inject('appDatabaseUrl') });
  await owner.connect();
  await app.connect();
  tables = inInsertOrder((await readCatalog(owner)).filter((t) => !NOT_TENANT_TABLES.has(t.name)));
  await insertFixtureRows(owner, tables, orgA, made);
  await insertFixtureRows(owner, tables, orgB, made);
});

afterAll(async () => {
  await owner?.end();
  await app?.end();
});

describe('row-level security, table by table (from the catalog)', () => {
  it('the application role is what the API and the worker connect as: no superuser, no BYPASSRLS, owns nothing', async () => {
    const { rows } = await app.query(`
      SELECT current_user AS name, rolsuper, rolbypassrls,
        EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user) AS owns
      FROM pg_roles WHERE rolname = current_user`);
    expect(rows).toEqual([{ name: 'billing_app', rolsuper: false, rolbypassrls: false, owns: false }]);
  });

  it('every table is tenant data and has row-level security enabled, forced and with a policy', () => {
    expect(tables.length).toBeGreaterThanOrEqual(35);
    const missing = tables
      .filter((t) => !t.rowSecurity || !t.forced || t.policies === 0)
      .map((t) => `${t.name}: enabled ${t.rowSecurity}, forced ${t.forced}, policies ${t.policies}`);
    expect(missing).toEqual([]);
  });

  it('the fixture made a row of every table for each organization, which the owner sees', async () => {
    for (const table of tables) {
      for (const org of [orgA, orgB]) {
        const { rowCount } = await owner.query(
          `SELECT 1 FROM ${quote(table.name)} WHERE ${whereKey(table)}`,
          keyOf(table, org),
        );
        expect(rowCount, `${table.name} of ${org}`).toBe(1);
      }
    }
  });

  it('no tenant set: every table is empty, and nothing can be changed or added', async () => {
    for (const table of tables) {
      await asTenant(null, async () => {
        const { rows } = await app.query(`SELECT count(*)::int AS n FROM ${quote(table.name)}`);
        expect(rows[0].n, `${table.name} read with no tenant`).toBe(0);
        const key = table.primaryKey[0] as string;
        const updated = await app.query(
          `UPDATE ${quote(table.name)} SET ${quote(key)} = ${quote(key)} WHERE ${whereKey(table)}`,
          keyOf(table, orgA),
        );
        expect(updated.rowCount, `${table.name} updated with no tenant`).toBe(0);
        const deleted = await app.query(
          `DELETE FROM ${quote(table.name)} WHERE ${whereKey(table)}`,
          keyOf(table, orgA),
        );
        expect(deleted.rowCount, `${table.name} deleted with no tenant`).toBe(0);
      });
    }
  });

  it('no tenant set: an insert into any table is refused', async () => {
    for (const table of tables) {
      // A row as the fixture would make it for organization A, inserted by the application role with no tenant.
      const row: Row = {};
      for (const column of table.columns) {
        const value = valueFor(table, column, orgA, made);
        if (value !== undefined) row[column.name] = value;
      }
      if (table.name === 'Organization') row.id = randomUUID();
      const names = Object.keys(row);
      await asTenant(null, async () => {
        await app.query('SAVEPOINT s');
        const inserted = app.query(
          `INSERT INTO ${quote(table.name)} (${names.map(quote).join(', ')})
           VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
          Object.values(row),
        );
        await expect(inserted, `${table.name} inserted with no tenant`).rejects.toThrow(
          /row-level security|violates not-null constraint/,
        );
        await app.query('ROLLBACK TO SAVEPOINT s');
      });
    }
  });

  it('each tenant sees and changes its own row of every table, never the other organization’s', async () => {
    for (const table of tables) {
      for (const [me, other] of [
        [orgA, orgB],
        [orgB, orgA],
      ] as const) {
        await asTenant(me, async () => {
          expect(await visible(table, me), `${table.name}: ${me} sees its row`).toBe(1);
          expect(await visible(table, other), `${table.name}: ${me} sees the other's row`).toBe(0);
          const key = table.primaryKey[0] as string;
          const mine = await app.query(
            `UPDATE ${quote(table.name)} SET ${quote(key)} = ${quote(key)} WHERE ${whereKey(table)}`,
            keyOf(table, me),
          );
          // User rows: updated by an organization that knows the user (its own fixture user, through OrganizationUser).
          expect(mine.rowCount, `${table.name}: ${me} updates its row`).toBe(1);
          const theirs = await app.query(
            `UPDATE ${quote(table.name)} SET ${quote(key)} = ${quote(key)} WHERE ${whereKey(table)}`,
            keyOf(table, other),
          );
          expect(theirs.rowCount, `${table.name}: ${me} updates the other's row`).toBe(0);
          const deleted = await app.query(
            `DELETE FROM ${quote(table.name)} WHERE ${whereKey(table)}`,
            keyOf(table, other),
          );
          expect(deleted.rowCount, `${table.name}: ${me} deletes the other's row`).toBe(0);
        });
      }
    }
  });

  it("a tenant cannot write a row into another organization's name", async () => {
    for (const table of tables.filter((t) => t.columns.some((c) => c.name === 'organizationId'))) {
      await asTenant(orgB, async () => {
        await app.query('SAVEPOINT s');
        const moved = app.query(
          `UPDATE ${quote(table.name)} SET "organizationId" = $${table.primaryKey.length + 1} WHERE ${whereKey(table)}`,
          [...keyOf(table, orgB), orgA],
        );
        await expect(moved, `${table.name}: B moves its row to A`).rejects.toThrow(/row-level security/);
        await app.query('ROLLBACK TO SAVEPOINT s');
      });
    }
  });
});

describe('through the application code (activities/tenantDb.ts)', () => {
  let appDb: Db;
  let ownerDb: Db;
  beforeAll(() => {
    appDb = testAppDb(2);
    ownerDb = testDb(2);
  });
  afterAll(async () => {
    await closeDb(appDb);
    await closeDb(ownerDb);
  });

  const entityOf = (org: string) => made.get(`Entity:${org}`) as { id: string };

  it("a Prisma query that names no tenant finds nothing, and a tenant's finds only its own rows", async () => {
    const ids = [entityOf(orgA).id, entityOf(orgB).id];
    expect(await appDb.entity.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await appDb.$queryRaw`SELECT id FROM "Entity" WHERE id = ANY(${ids}::uuid[])`).toEqual([]);
    const a = tenantDb(appDb, orgA);
    expect((await a.entity.findMany({ where: { id: { in: ids } } })).map((e) => e.id)).toEqual([entityOf(orgA).id]);
    expect(await a.entity.findUnique({ where: { id: entityOf(orgB).id } })).toBeNull();
    const inTransaction = await a.$transaction(async (tx) => tx.entity.count({ where: { id: { in: ids } } }));
    expect(inTransaction).toBe(1);
    // The owner's tools (invariants, migrations) see everything.
    expect(await ownerDb.entity.count({ where: { id: { in: ids } } })).toBe(2);
  });

  it('a tenant of one organization cannot create rows of another, even naming it', async () => {
    const a = tenantDb(appDb, orgA);
    await expect(
      a.entity.create({ data: { organizationId: orgB, name: 'not ours', currency: 'USD' } }),
    ).rejects.toThrow(/row-level security/);
  });

  it("the worker's lookup of a row's organization returns the organization id and nothing else", async () => {
    expect(await organizationOf(appDb, 'entity', entityOf(orgB).id)).toBe(orgB);
    expect(await organizationOf(appDb, 'entity', randomUUID())).toBeNull();
  });
});
