// The marketplace's side of webhooks in the simulator: a local HTTP server that answers 200 to every delivery and
// counts each message id (the `webhook-id` header: the outbox row's id), so a scenario can check that every row it
// emitted arrived exactly once. Signatures and outages are the fault-injection run's business (chaos/).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class WebhookSink {
  private server: Server | undefined;
  /** Deliveries per message id. */
  readonly received = new Map<string, number>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        this.received.set(id, (this.received.get(id) ?? 0) + 1);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
