// A row as an archive line and back, exactly. The line is Postgres's own JSON of the row (`to_jsonb(t)`), never
// re-serialised in JavaScript, so NUMERIC amounts and numbers inside JSON columns keep every digit, and timestamps
// their full precision. Restoring reads the line back in SQL, column by column, with the column's own type.
//
// One ambiguity of to_jsonb is resolved on the way out: a nullable JSON column holding SQL NULL and one holding the
// JSON value `null` both read `null`. Lines name their SQL-NULL JSON columns in a "$sqlNull" member, which restoring
// reads and the row comparison ignores.
//
// Column lists come from the catalog, so a column added to an archived table is archived and restored with no change
// here.
import type { Db } from '../db.js';

export interface ColumnShape {
  name: string;
  /** format_type(): e.g. numeric(20,6), timestamp(3) with time zone, "EventStatus", uuid[] */
  sqlType: string;
  nullable: boolean;
  kind: 'json' | 'array' | 'scalar';
}

export const SQL_NULL_MEMBER = '$sqlNull';

const shapes = new Map<string, Promise<ColumnShape[]>>();

/** The table's columns in order (cached per process: the schema changes only with a deploy). */
export function tableShape(db: Db, table: string): Promise<ColumnShape[]> {
  let shape = shapes.get(table);
  if (!shape) {
    shape = loadShape(db, table);
    shape.catch(() => shapes.delete(table));
    shapes.set(table, shape);
  }
  return shape;
}

async function loadShape(db: Db, table: string): Promise<ColumnShape[]> {
  const { rows } = await db.pg.query<{ name: string; type: string; nullable: boolean; category: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
            t.typcategory AS category
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [table],
  );
  if (rows.length === 0) throw new Error(`no table "${table}"`);
  return rows.map((r) => ({
    name: r.name,
    sqlType: r.type,
    nullable: r.nullable,
    kind: r.type === 'jsonb' || r.type === 'json' ? 'json' : r.category === 'A' ? 'array' : 'scalar',
  }));
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** SQL of the archive line (text) of the row aliased `alias`. */
export function lineSql(alias: string, columns: readonly ColumnShape[]): string {
  const nullableJson = columns.filter((c) => c.kind === 'json' && c.nullable);
  if (nullableJson.length === 0) return `to_jsonb(${alias})::text`;
  const names = `array_remove(ARRAY[${nullableJson
    .map((c) => `CASE WHEN ${alias}.${q(c.name)} IS NULL THEN '${c.name}' END`)
    .join(', ')}]::text[], NULL)`;
  return `(CASE WHEN cardinality(${names}) = 0 THEN to_jsonb(${alias})
     ELSE to_jsonb(${alias}) || jsonb_build_object('${SQL_NULL_MEMBER}', to_jsonb(${names})) END)::text`;
}

/** SQL comparing the live row `alias` with its archive line `line` (jsonb): true while the row is unchanged. */
export function unchangedSql(alias: string, line: string): string {
  return `to_jsonb(${alias}) = (${line} - '${SQL_NULL_MEMBER}')`;
}

/**
 * The column list and the SELECT list that rebuild rows from archive lines `x` (jsonb), for
 * `INSERT INTO t (<columns>) SELECT <values> FROM jsonb_array_elements($1::jsonb) AS l(x)`.
 */
export function rowFromLineSql(columns: readonly ColumnShape[], x = 'l.x'): { columns: string; values: string } {
  const value = (c: ColumnShape) => {
    const field = `${x}->'${c.name}'`;
    switch (c.kind) {
      case 'json':
        return c.nullable
          ? `CASE WHEN ${x}->'${SQL_NULL_MEMBER}' ? '${c.name}' THEN NULL ELSE (${field})::${c.sqlType} END`
          : `(${field})::${c.sqlType}`;
      case 'array':
        return `CASE WHEN jsonb_typeof(${field}) = 'array'
          THEN ARRAY(SELECT jsonb_array_elements_text(${field}))::${c.sqlType} END`;
      default:
        return `(${x}->>'${c.name}')::${c.sqlType}`;
    }
  };
  return { columns: columns.map((c) => q(c.name)).join(', '), values: columns.map(value).join(',\n       ') };
}
