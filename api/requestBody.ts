// Reads every /api request body once, within its size limit, before anything else looks at it:
//   - over the route's limit (1 MiB, 16 MiB for the bulk routes) -> 413 PAYLOAD_TOO_LARGE, before auth;
//   - otherwise the text lands in Hono's body cache, so `c.req.text()` / `c.req.json()` (the input guards, the
//     Idempotency-Key hash, the zod validators) all read that one copy.
//
// Why not `hono/body-limit` and `c.req.json()` as they come: on @hono/node-server, touching `c.req.raw.body` builds a
// Web `Request` around a `ReadableStream` of Node's request, and every `clone().text()` tees that stream. Measured on
// this project's 2-vCPU benchmark host, a trivial JSON route answered 2,900 requests/s that way and 9,100/s reading
// Node's `IncomingMessage` directly (bench/README.md). Behind any other adapter (tests' `app.request`, other
// runtimes) the body is read from the Web `Request` with the same limit.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { AuthEnv } from './auth.js';
import { ProblemError } from './problem.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const BULK_BODY_LIMIT = 16 * 1024 * 1024;
/** Routes that take many records per request (the events batch, event-file imports). */
const BULK_PATHS = new Set(['/api/billing/events', '/api/billing/events/batch', '/api/billing/jobs/imports']);

class BodyTooLarge extends Error {}

const utf8 = new TextDecoder();

const tooLarge = (limit: number) =>
  new ProblemError(
    413,
    'PAYLOAD_TOO_LARGE',
    'Request body too large',
    `At most ${limit === BULK_BODY_LIMIT ? '16 MiB' : '1 MiB'} per request`,
  );

/** 413 PAYLOAD_TOO_LARGE above the route's limit; else the body, read once, is what `c.req.text()/json()` return. */
export function readRequestBody(): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const limit = BULK_PATHS.has(c.req.path) ? BULK_BODY_LIMIT : DEFAULT_BODY_LIMIT;
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > limit) throw tooLarge(limit);
    const incoming = nodeIncoming(c);
    try {
      const bytes = incoming ? await readNode(incoming, limit) : await readWeb(c.req.raw, limit);
      // Hono's cache holds promises at run time (its type names the resolved values).
      (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(utf8.decode(bytes));
    } catch (err) {
      if (err instanceof BodyTooLarge) throw tooLarge(limit);
      throw err;
    }
    return next();
  };
}

/** @hono/node-server passes Node's request as `c.env.incoming`. */
function nodeIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === 'function' && !incoming.readableEnded ? incoming : undefined;
}

function readNode(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // The adapter drains what is left after the 413, so the connection stays usable.
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    // A client that hangs up mid-body may close the request without 'end' or 'error'; without this the handler
    // would wait forever.
    const onClose = () => onError(new Error('request body aborted by the client'));
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readWeb(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
