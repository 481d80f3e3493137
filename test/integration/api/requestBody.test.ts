// readRequestBody on both paths it has: Node's IncomingMessage (over HTTP on @hono/node-server) and a Web Request
// (app.request, other runtimes). Each request body is read once; every later reader gets the same text.
import { PassThrough } from 'node:stream';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEnv } from '../../../api/auth.js';
import { ProblemError, problemResponse } from '../../../api/problem.js';
import { DEFAULT_BODY_LIMIT, readRequestBody } from '../../../api/requestBody.js';
import { serveOverHttp } from '../../support/services.js';

function echoApp() {
  const app = new Hono<AuthEnv>();
  app.onError((err, c) => (err instanceof ProblemError ? problemResponse(c, err) : c.text(String(err), 500)));
  app.use('/api/*', readRequestBody());
  // Three readers of one body, as in the real app: a guard, the Idempotency-Key hash, the validator.
  app.post('/api/echo', async (c) => {
    const text = await c.req.text();
    const again = await c.req.text();
    const json = (await c.req.json()) as unknown;
    return c.json({ text, same: text === again, json });
  });
  app.get('/api/echo', (c) => c.json({ ok: true }));
  return app;
}

const body = JSON.stringify({ name: 'Zoë ✓ 🚀', n: [1, 2, 3] });
/** A POST whose body streams past the limit with no Content-Length, so only counting the bytes can refuse it. */
const chunkedOverLimit = (): RequestInit =>
  ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
        for (let sent = 0; sent <= DEFAULT_BODY_LIMIT; sent += chunk.length) controller.enqueue(chunk);
        controller.close();
      },
    }),
    duplex: 'half',
  }) as RequestInit;

describe('readRequestBody over HTTP (Node request)', () => {
  let server: Awaited<ReturnType<typeof serveOverHttp>>;
  beforeAll(async () => {
    server = await serveOverHttp(echoApp());
  });
  afterAll(() => server.close());

  it('hands every reader the same decoded text, multi-byte characters intact', async () => {
    const res = await fetch(`${server.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(await res.json()).toEqual({ text: body, same: true, json: JSON.parse(body) });
  });

  it('answers 413 for a chunked body over the limit, and the server keeps serving', async () => {
    const res = await fetch(`${server.url}/api/echo`, chunkedOverLimit());
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await fetch(`${server.url}/api/echo`)).status).toBe(200);
  });
});

describe('readRequestBody in process (Web Request)', () => {
  const app = echoApp();

  it('hands every reader the same decoded text', async () => {
    const res = await app.request('/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(await res.json()).toEqual({ text: body, same: true, json: JSON.parse(body) });
  });

  it('answers 413 by declared length and by counted bytes', async () => {
    const declared = await app.request('/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(DEFAULT_BODY_LIMIT + 1) },
      body: '{}',
    });
    expect(declared.status).toBe(413);
    const counted = await app.request('/api/echo', chunkedOverLimit());
    expect(counted.status).toBe(413);
    expect(((await counted.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an empty POST body is empty text, so JSON readers fail as malformed', async () => {
    const res = await app.request('/api/echo', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('SyntaxError');
  });
});

describe('readRequestBody on a Node request the client abandons', () => {
  it('fails the request instead of waiting forever when the body stream closes without ending', async () => {
    const incoming = Object.assign(new PassThrough(), { headers: {}, method: 'POST' });
    const request = new Request('http://localhost/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    const answered = Promise.resolve(echoApp().fetch(request, { incoming }));
    incoming.write('{"name":');
    incoming.destroy();
    const res = await answered;
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('request body aborted by the client');
  });
});
