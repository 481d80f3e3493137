// The marketplace's webhook receiver: a real local HTTP server that verifies every Standard Webhooks signature with
// the endpoint's secret, records every message id it saw, and answers 500 during recurring outage windows (then 200
// again), so deliveries fail and recover. Windows of `outageMs` every `cycleMs`. Each message is failed at most once
// (its retry a minute later succeeds), so the run waits for the platform's first retry, never its 5-minute second.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceiverStats {
  requests: number;
  answered500: number;
  badSignatures: number;
  /** Distinct `webhook-id`s (WebhookEvent ids) received with a valid signature and answered 200. */
  delivered: number;
}

export class WebhookReceiver {
  private server: Server | undefined;
  private readonly secrets = new Map<string, Webhook>();
  readonly seen = new Set<string>();
  readonly stats: ReceiverStats = { requests: 0, answered500: 0, badSignatures: 0, delivered: 0 };
  private readonly startedAt = Date.now();
  private failing = true;
  private readonly failedOnce = new Set<string>();

  constructor(
    private readonly outageMs = 10_000,
    private readonly cycleMs = 45_000,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.stats.requests += 1;
        const status = this.handle(req.url ?? '/', req.headers, body);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The signing secret of the endpoint whose URL path is `/hooks/<name>`. */
  register(name: string, secret: string) {
    this.secrets.set(`/hooks/${name}`, new Webhook(secret));
  }

  /** From now on, always 200 (the end of the run: the marketplace is healthy again). */
  recover() {
    this.failing = false;
  }

  inOutage(now = Date.now()): boolean {
    return this.failing && (now - this.startedAt) % this.cycleMs < this.outageMs;
  }

  private handle(url: string, headers: IncomingHttpHeaders, body: string): number {
    const verifier = this.secrets.get(url);
    const id = String(headers['webhook-id'] ?? '');
    try {
      if (!verifier) throw new Error('unknown endpoint');
      verifier.verify(body, {
        'webhook-id': id,
        'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(headers['webhook-signature'] ?? ''),
      });
    } catch {
      this.stats.badSignatures += 1;
      return 401;
    }
    if (this.inOutage() && !this.failedOnce.has(id)) {
      this.failedOnce.add(id);
      this.stats.answered500 += 1;
      return 500;
    }
    if (!this.seen.has(id)) {
      this.seen.add(id);
      this.stats.delivered += 1;
    }
    return 200;
  }

  async stop() {
    await new Promise((r) => this.server?.close(r));
  }
}
