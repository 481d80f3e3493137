// What the app is built from (AppDeps) and what every route module receives (RouteDeps): in a module of their own, so
// a route module depends on the app's dependencies, never on the app that mounts it.
import type { Client } from '@temporalio/client';
import type { Db } from '../activities/db.js';
import type { PdfRenderer } from '../activities/documents/pdfRenderer.js';
import type { Logger } from '../activities/logger.js';
import type { PaymentProvider } from '../activities/payments/paymentProvider.js';
import type { ProcessLiveness } from '../activities/processLiveness.js';
import type { SecretKeyring } from '../activities/secretsAtRest.js';
import type { DescribeTenant } from '../temporal/workflowStarts.js';
import type { OutboxDispatcher } from './outboxDispatcher.js';
import type { RateLimitOptions } from './rateLimit.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /** BOOTSTRAP_ADMIN_KEY: organization-less key that may only create organizations and their first keys. */
  bootstrapAdminKey?: string | undefined;
  /** Per-key, per-process token bucket (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST); omitted = no limit. */
  rateLimit?: RateLimitOptions | undefined;
  /** Dev mode: webhook endpoints may point at loopback/private addresses (never in production). */
  allowInternalWebhookUrls?: boolean | undefined;
  /** API_KEY_CACHE_TTL_MS: reuse a successful API-key lookup this long in this process; omitted or 0 = no cache. */
  apiKeyCacheTtlMs?: number | undefined;
  /** RETENTION_ARCHIVE_DIR: the retention archives, which an erasure rewrites; default .data/archive. */
  archiveDir?: string | undefined;
  /** SECRET_KEYS: seals webhook signing secrets at rest; omitted = from the environment (secretsAtRest.ts). */
  secretKeys?: SecretKeyring | undefined;
  /** This process's liveness connection: Idempotency-Key claims of a dead process are taken over at once. */
  liveness?: ProcessLiveness | undefined;
  /**
   * false on a Temporal server without our custom search attributes (the time-skipping test server the simulator
   * runs on): workflows are started without OrganizationId/EntityId. Default true.
   */
  searchAttributes?: boolean | undefined;
  /** PAYMENT_PROVIDER: attaches payment methods, refunds, immediate purchases. Default: the sandbox. */
  paymentProvider?: PaymentProvider | undefined;
  /** STRIPE_WEBHOOK_SECRET: verifies POST /api/providers/stripe/webhooks (unset: that route answers 503). */
  stripeWebhookSecret?: string | undefined;
  /**
   * CONSOLE_SIGNING_SECRET: signs portal sessions and invoice document links (api/signedTokens.ts). Omitted: a
   * random secret of this process (links then work only against the process that made them).
   */
  signingSecret?: string | undefined;
  /** CONSOLE_URL: where the web console is served; portal session links point there. */
  consoleUrl?: string | undefined;
  /** Renders invoice PDFs; omitted: the PDF link answers 503 PDF_RENDERER_UNAVAILABLE. */
  pdfRenderer?: PdfRenderer | undefined;
}

/** What every route module may use: the app's dependencies plus services built from them. */
export interface RouteDeps extends AppDeps {
  outbox: OutboxDispatcher;
  paymentProvider: PaymentProvider;
  /** Names and test clock of a tenant, for every workflow the API starts (temporal/workflowStarts.ts). */
  describeTenant: DescribeTenant;
  signingSecret: string;
  consoleUrl: string;
  secretKeys: SecretKeyring;
}
