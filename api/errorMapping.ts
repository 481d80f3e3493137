// Errors from below the API (data layer, domain, Prisma) mapped onto problem+json, so routes can let them propagate
// and every failure still carries a stable code. Anything unmapped is a 500 INTERNAL (logged, never leaked).

import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PaymentProviderTimeoutError } from '../activities/payments/paymentProvider.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../activities/resourceErrors.js';
import { isBillingDomainError } from '../domain/errors.js';
import { Prisma } from '../prisma/generated/client.js';
import { ProblemError } from './problem.js';

/** Column names of a unique violation, as far as the driver adapter reports them. */
function uniqueFields(err: Prisma.PrismaClientKnownRequestError): string | undefined {
  const meta = err.meta as
    | { target?: string[] | string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } }
    | undefined;
  const fields = meta?.driverAdapterError?.cause?.constraint?.fields ?? meta?.target;
  if (!fields) return undefined;
  return (Array.isArray(fields) ? fields : [fields]).map((f) => f.replaceAll('"', '')).join(', ');
}

/**
 * Postgres data exceptions (class 22) that only bad input can cause: text it cannot store (NUL, bytes outside UTF-8),
 * a number beyond a column's NUMERIC(20,6), a malformed value. api/inputGuards.ts and the zod schemas keep such input
 * out; this is the net under them, so it is still a 422 and never a 500.
 */
const INPUT_DATA_ERRORS: Record<string, string> = {
  '22P05': 'text the database cannot store (e.g. U+0000)',
  '22021': 'text that is not valid UTF-8',
  '22003': 'a number out of the supported range',
  '22P02': 'a malformed value',
  '22007': 'a malformed date or time',
  '22008': 'a date or time out of range',
};

function postgresCode(err: unknown): string | undefined {
  const e = err as { meta?: { driverAdapterError?: { cause?: { code?: unknown } } }; cause?: { code?: unknown } };
  const code = e?.meta?.driverAdapterError?.cause?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

export function toProblem(err: unknown): ProblemError | undefined {
  // Hono's own validators and limits (a body that is not JSON, a body over the limit).
  if (err instanceof HTTPException && err.status < 500) {
    if (/json/i.test(err.message)) return new ProblemError(400, 'MALFORMED_JSON', 'Malformed JSON', err.message);
    if (err.status === 413) return new ProblemError(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', err.message);
    return new ProblemError(err.status as ContentfulStatusCode, 'BAD_REQUEST', 'Bad request', err.message || undefined);
  }
  if (err instanceof ResourceNotFoundError) return new ProblemError(404, 'NOT_FOUND', 'Not found', err.message);
  if (err instanceof ResourceConflictError) {
    return new ProblemError(409, err.code, 'Conflict', err.message, undefined, err.conflicts);
  }
  if (err instanceof UnprocessableError) {
    return new ProblemError(
      422,
      err.code,
      'Unprocessable request',
      err.message,
      err.path ? [{ path: err.path, message: err.message }] : undefined,
      err.conflicts,
    );
  }
  if (err instanceof PaymentProviderTimeoutError) {
    // The provider's answer is unknown: the same request (same Idempotency-Key) repeats the call with the same key.
    return new ProblemError(
      503,
      'PAYMENT_PROVIDER_UNAVAILABLE',
      'Payment provider unavailable',
      'The payment provider did not answer; retry the request with the same Idempotency-Key',
    );
  }
  if (isBillingDomainError(err)) return new ProblemError(422, err.code, 'Invalid request', err.message);
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2002') {
      const fields = uniqueFields(err);
      return new ProblemError(
        409,
        'CONFLICT',
        'Already exists',
        fields ? `A resource with the same ${fields} already exists` : 'A resource with the same key already exists',
      );
    }
    if (err.code === 'P2025') return new ProblemError(404, 'NOT_FOUND', 'Not found', 'The resource no longer exists');
  }
  const pgCode = postgresCode(err);
  if (pgCode && INPUT_DATA_ERRORS[pgCode]) {
    return new ProblemError(
      422,
      'VALIDATION_FAILED',
      'Invalid request',
      `The request contains ${INPUT_DATA_ERRORS[pgCode]}`,
    );
  }
  return undefined;
}
