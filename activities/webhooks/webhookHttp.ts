// The HTTP POST of one webhook attempt, over node:http(s) so the connection can be pinned: when the URL policy has
// resolved and checked the host (webhookUrlPolicy.ts), the socket connects to exactly that address, and a second DNS
// answer (DNS rebinding: public at the check, 127.0.0.1 a moment later) is never asked for. TLS still verifies the
// certificate against the URL's host name (SNI and the Host header are unchanged). Redirects are not followed.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

/** A lookup that answers every query with the pinned address (in both the single and the `all` callback forms). */
export function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  }) as LookupFunction;
}

export class WebhookTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** POSTs `body`; resolves with the status code (the response body is discarded), rejects on network errors. */
export function postWebhook(
  url: string,
  opts: { headers: Record<string, string>; body: string; timeoutMs: number; pinned: PinnedAddress | null },
): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        ...(opts.pinned ? { lookup: pinnedLookup(opts.pinned) } : {}),
        timeout: opts.timeoutMs,
      },
      (res: IncomingMessage) => {
        res.resume();
        res.on('error', () => {});
        resolve(res.statusCode ?? 0);
      },
    );
    const overall = setTimeout(() => req.destroy(new WebhookTimeoutError('timeout')), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new WebhookTimeoutError('timeout')));
    req.on('error', reject);
    req.on('close', () => clearTimeout(overall));
    req.end(opts.body);
  });
}
