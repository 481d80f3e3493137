// The marketplace's HTTP client, as a real integration behaves: requests go round-robin over the API processes; a
// connection error, a timeout, a 5xx, a 429 or a 409 IDEMPOTENCY_IN_PROGRESS is retried on the next process with the
// same Idempotency-Key header and the same body (so the same business idempotency keys), until an answer or the
// deadline. Every retry is counted.
export interface ClientAnswer<T = unknown> {
  status: number;
  body: T;
  replayed: boolean;
  attempts: number;
}

export class GaveUpError extends Error {}

/** Shared by every client of one run (one per API key), for the summary. */
export interface ClientStats {
  requests: number;
  retries: number;
  retryReasons: Map<string, number>;
}

export const newClientStats = (): ClientStats => ({ requests: 0, retries: 0, retryReasons: new Map() });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MarketplaceClient {
  private next = 0;

  constructor(
    private readonly apiUrls: string[],
    private readonly apiKey: string,
    readonly stats: ClientStats = newClientStats(),
    private readonly opts: { attemptTimeoutMs?: number; deadlineMs?: number } = {},
  ) {
    this.next = 0;
  }

  /** The same API processes and counters, another key. */
  withKey(apiKey: string): MarketplaceClient {
    return new MarketplaceClient(this.apiUrls, apiKey, this.stats, this.opts);
  }

  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field by the workload
  async request<T = any>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<ClientAnswer<T>> {
    return this.exchange<T>(method, path, body === undefined ? undefined : JSON.stringify(body), {
      Authorization: `Bearer ${this.apiKey}`,
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    });
  }

  /** A provider's webhook: the exact body its signature covers, its headers, no API key; retried like the rest. */
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field by the workload
  async postSigned<T = any>(path: string, rawBody: string, headers: Record<string, string>): Promise<ClientAnswer<T>> {
    return this.exchange<T>('POST', path, rawBody, headers);
  }

  private async exchange<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    payload: string | undefined,
    headers: Record<string, string>,
  ): Promise<ClientAnswer<T>> {
    const deadline = Date.now() + (this.opts.deadlineMs ?? 240_000);
    for (let attempt = 1; ; attempt++) {
      const base = this.apiUrls[this.next++ % this.apiUrls.length]!;
      this.stats.requests += 1;
      let reason: string;
      try {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: {
            ...headers,
            ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          ...(payload !== undefined ? { body: payload } : {}),
          signal: AbortSignal.timeout(this.opts.attemptTimeoutMs ?? 20_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // not JSON
        }
        const code = (parsed as { code?: string } | null)?.code;
        const retryable = res.status >= 500 || res.status === 429 || code === 'IDEMPOTENCY_IN_PROGRESS';
        if (!retryable) {
          return {
            status: res.status,
            body: parsed as T,
            replayed: res.headers.get('idempotent-replayed') === 'true',
            attempts: attempt,
          };
        }
        reason = `${res.status}${code ? ` ${code}` : ''}`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        reason = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name);
      }
      this.stats.retries += 1;
      this.stats.retryReasons.set(reason, (this.stats.retryReasons.get(reason) ?? 0) + 1);
      if (Date.now() > deadline) {
        throw new GaveUpError(`${method} ${path}: no answer after ${attempt} attempts (last: ${reason})`);
      }
      await sleep(Math.min(200 * attempt, 2000));
    }
  }
}
