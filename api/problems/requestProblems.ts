// Problems of any request, whatever the resource: validation, authentication, rate limits, idempotency.
import { k, type ProblemKind } from './problemKind.js';

export const REQUEST_PROBLEMS: Record<string, ProblemKind> = {
  // Requests the API cannot take, whatever the resource.
  VALIDATION_FAILED: k(
    422,
    'Invalid request',
    'The request does not match the documented schema: a field or query parameter is missing, malformed, out of ' +
      'range, or unknown (unknown fields are refused by name, never ignored). `errors[]` lists each one with its path.',
    'Fix each field named in `errors[].path`; nothing was written, so the same Idempotency-Key may be reused.',
  ),
  MALFORMED_JSON: k(400, 'Malformed JSON', 'The request body is not valid JSON.', 'Send a JSON document.'),
  BAD_REQUEST: k(
    400,
    'Bad request',
    'The HTTP request itself could not be read.',
    'Check the method, headers and body.',
  ),
  UNSUPPORTED_MEDIA_TYPE: k(
    415,
    'Unsupported media type',
    'The body was sent with a Content-Type the operation does not take.',
    'Send `Content-Type: application/json`.',
  ),
  PAYLOAD_TOO_LARGE: k(
    413,
    'Request body too large',
    'The body is over 1 MiB (16 MiB for the event batch and import routes). Nothing was read past the limit.',
    'Split the request: fewer events per batch, or an import job.',
  ),
  METHOD_NOT_ALLOWED: k(
    405,
    'Method not allowed',
    'The path exists but does not take this method. The `Allow` header lists the methods it takes.',
    'Use one of the methods in `Allow`.',
  ),
  NOT_FOUND: k(
    404,
    'Not found',
    "No such resource, or it belongs to another organization (another organization's ids are never confirmed).",
    'Check the id and the API key you use.',
  ),
  UNAUTHENTICATED: k(
    401,
    'Unauthenticated',
    'No API key, or the key is unknown, revoked or expired.',
    'Send `Authorization: Bearer <api key>` with an active key.',
  ),
  INSUFFICIENT_SCOPE: k(
    403,
    'Insufficient scope',
    'The key lacks the scope this operation needs (`admin`, `read` or `ingest`), or it is the bootstrap key outside ' +
      'the bootstrap routes.',
    'Use a key with the scope named in `detail`.',
  ),
  RATE_LIMITED: k(
    429,
    'Rate limited',
    "The key's request rate is over its limit (a token bucket per key and API process).",
    'Wait the seconds in `Retry-After`, then retry with the same Idempotency-Key.',
  ),
  INTERNAL: k(
    500,
    'Internal error',
    'An unexpected failure. Nothing is stored for the Idempotency-Key, so a retry runs again.',
    'Retry with the same Idempotency-Key; report the request id in `detail` if it persists.',
  ),
  SERVICE_UNAVAILABLE: k(
    503,
    'Service unavailable',
    'Postgres or Temporal is unreachable for the moment.',
    'Retry after `Retry-After` with the same Idempotency-Key.',
  ),
  TEMPORAL_UNAVAILABLE: k(
    503,
    'Workflow service unavailable',
    "A billing job's workflow could not be started; the job is marked failed.",
    'Retry the request shortly.',
  ),
  CONFLICT: k(
    409,
    'Conflict',
    'The write collides with what exists (a duplicate name, an existing membership).',
    'Read the resource named in `detail`; change the request or use what is there.',
  ),
  FIELD_NOT_UPDATABLE: k(
    422,
    'Field not updatable',
    "A PATCH named a field that cannot change there: an entity's currency and time zone are fixed at creation (its " +
      'periods, credits and invoices depend on them) and its anchor day changes through the billing-workflow ' +
      'anchor-day operation. `errors[]` gives the reason per field.',
    'Leave the field out, or use the operation named in the message.',
  ),

  CURSOR_MISMATCH: k(
    422,
    'Two different cursors',
    'A list was given both `cursor` and its deprecated alias `starting_after`, naming different places.',
    'Send `cursor` only: the `nextCursor` of the previous page.',
  ),

  // Idempotency.
  INVALID_IDEMPOTENCY_KEY: k(
    400,
    'Invalid Idempotency-Key',
    'The Idempotency-Key header is empty or longer than 255 characters.',
    'Send 1 to 255 characters, unique per request.',
  ),
  IDEMPOTENCY_KEY_REUSED: k(
    409,
    'Idempotency key reused',
    'This key already answered another request (another body or path) within 24 hours.',
    'Use a new key for a new request; resend the original body to get its stored answer.',
  ),
  IDEMPOTENCY_IN_PROGRESS: k(
    409,
    'Request in progress',
    'A request with this key is still running.',
    'Retry shortly with the same key to get its answer.',
  ),
  IDEMPOTENCY_KEY_MISMATCH: k(
    422,
    'Two different idempotency keys',
    'The Idempotency-Key header and the deprecated `idempotencyKey` body field were both sent and differ.',
    'Send the header only.',
  ),
  IDEMPOTENCY_KEY_CONFLICT: k(
    409,
    'Idempotency key used for another payload',
    'The event, purchase, grant or transfer key was already used with different content.',
    'Use a new key for a new event or purchase.',
  ),
};
