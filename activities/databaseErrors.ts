// What a database error means for the caller, without the caller knowing Prisma: a unique violation (and on which
// columns), a row that no longer exists, or input Postgres could not store. api/errorMapping.ts turns these into
// problem+json; everything Prisma-specific stays in the data layer.
import { Prisma } from './db.js';

export type DatabaseErrorKind =
  | { kind: 'unique_violation'; fields: string | undefined }
  | { kind: 'row_gone' }
  | { kind: 'bad_input'; what: string };

/**
 * Postgres data exceptions (class 22) that only bad input can cause: text it cannot store (NUL, bytes outside UTF-8),
 * a number beyond a column's NUMERIC(20,6), a malformed value. The API's input guards and zod schemas keep such input
 * out; this is the net under them.
 */
const INPUT_DATA_ERRORS: Record<string, string> = {
  '22P05': 'text the database cannot store (e.g. U+0000)',
  '22021': 'text that is not valid UTF-8',
  '22003': 'a number out of the supported range',
  '22P02': 'a malformed value',
  '22007': 'a malformed date or time',
  '22008': 'a date or time out of range',
};

/** Column names of a unique violation, as far as the driver adapter reports them. */
function uniqueFields(err: Prisma.PrismaClientKnownRequestError): string | undefined {
  const meta = err.meta as
    | { target?: string[] | string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } }
    | undefined;
  const fields = meta?.driverAdapterError?.cause?.constraint?.fields ?? meta?.target;
  if (!fields) return undefined;
  return (Array.isArray(fields) ? fields : [fields]).map((f) => f.replaceAll('"', '')).join(', ');
}

function postgresCode(err: unknown): string | undefined {
  const e = err as { meta?: { driverAdapterError?: { cause?: { code?: unknown } } }; cause?: { code?: unknown } };
  const code = e?.meta?.driverAdapterError?.cause?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The meaning of `err` when it is one of the database errors above; undefined otherwise. */
export function classifyDatabaseError(err: unknown): DatabaseErrorKind | undefined {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2002') return { kind: 'unique_violation', fields: uniqueFields(err) };
    if (err.code === 'P2025') return { kind: 'row_gone' };
  }
  const pgCode = postgresCode(err);
  const what = pgCode ? INPUT_DATA_ERRORS[pgCode] : undefined;
  return what ? { kind: 'bad_input', what } : undefined;
}
