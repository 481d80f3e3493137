// Errors from below the API (data layer, domain, database) mapped onto problem+json, so routes can let them propagate
// and every failure still carries a stable code. Anything unmapped is a 500 INTERNAL (logged, never leaked).

import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { classifyDatabaseError } from '../activities/databaseErrors.js';
import { PaymentProviderTimeoutError } from '../activities/payments/paymentProvider.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../activities/resourceErrors.js';
import { isBillingDomainError } from '../domain/errors.js';
import { ProblemError } from './problem.js';

export function toProblem(err: unknown): ProblemError | undefined {
  // Hono's own validators and limits (a body that is not JSON, a body over the limit).
  if (err instanceof HTTPException && err.status < 500) {
    if (/json/i.test(err.message)) return new ProblemError(400, 'MALFORMED_JSON', 'Malformed JSON', err.message);
    if (err.status === 413) return new ProblemError(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', err.message);
    if (err.status === 415) {
      const detail = 'Send the body as JSON with Content-Type: application/json';
      return new ProblemError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', detail);
    }
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
  if (isBillingDomainError(err)) {
    // A ledger transaction that does not balance is the platform's defect, never the request's: refused, not written.
    if (err.code === 'UNBALANCED_LEDGER_TRANSACTION') {
      return new ProblemError(500, err.code, 'Unbalanced ledger transaction', err.message);
    }
    return new ProblemError(422, err.code, 'Invalid request', err.message);
  }
  const database = classifyDatabaseError(err);
  switch (database?.kind) {
    case 'unique_violation':
      return new ProblemError(
        409,
        'CONFLICT',
        'Already exists',
        database.fields
          ? `A resource with the same ${database.fields} already exists`
          : 'A resource with the same key already exists',
      );
    case 'row_gone':
      return new ProblemError(404, 'NOT_FOUND', 'Not found', 'The resource no longer exists');
    case 'bad_input':
      return new ProblemError(422, 'VALIDATION_FAILED', 'Invalid request', `The request contains ${database.what}`);
  }
  return undefined;
}
