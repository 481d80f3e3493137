// Runtime configuration from the environment, validated once at start-up so a typo fails loudly, not later.
// Every variable, its default and its meaning is listed in README.md ("Configuration").
import { z } from 'zod';

const schema = z.object({
  /** The tables' owner: migrations, the seed, the release step, the invariant checker (activities/databaseRoles.ts). */
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (npm start sets it for the local cluster)'),
  /** The API's and the worker's connection, as the application role; unset: derived from DATABASE_URL. */
  APP_DATABASE_URL: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /**
   * Worker: activities run at once; default DATABASE_POOL_SIZE. Each activity holds at most one connection at a time,
   * so more would only queue for the pool inside this worker (and time out there) while another worker sits idle.
   */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().optional(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('billing'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Organization-less admin key that may create organizations and their first API keys. */
  BOOTSTRAP_ADMIN_KEY: z.string().min(16).optional(),
  /** Per API key and per API process: sustained requests per second (token refill rate); 0 turns limiting off. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(50),
  /** Per API key and per API process: requests allowed in a burst (bucket size). */
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
  /** Per API process: how long a successful API-key lookup is reused (ms); 0 = a database query per request. */
  API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
  /** Dev mode only: accept webhook endpoints on loopback/private addresses. `npm start` sets it; production must not. */
  WEBHOOK_ALLOW_INTERNAL_URLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Who moves the money: the built-in sandbox (default) or Stripe. The worker and the API must agree. */
  PAYMENT_PROVIDER: z.enum(['sandbox', 'stripe']).default('sandbox'),
  /** PAYMENT_PROVIDER=stripe: the secret API key. Never logged. */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** Stripe's webhook signing secret (whsec_...) of POST /api/providers/stripe/webhooks. Never logged. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Another Stripe API base URL (stripe-mock in tests and the chaos run); unset = api.stripe.com. */
  STRIPE_API_BASE: z.url().optional(),
  /**
   * API: signs customer-portal sessions and invoice document links. Every API process must share it; unset = a random
   * secret per process (links then work only against the process that made them). `npm start` keeps one in .data.
   */
  CONSOLE_SIGNING_SECRET: z.string().min(32).optional(),
  /** API: the web console's public URL, where portal session links point. */
  CONSOLE_URL: z.string().url().default('http://127.0.0.1:3001'),
  /** API: the Chromium that renders invoice PDFs. */
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  /**
   * Worker and API: the directory of the retention archives (the worker writes them, an erasure rewrites them); every
   * worker and API process must see the same directory.
   */
  RETENTION_ARCHIVE_DIR: z.string().min(1).default('.data/archive'),
  /**
   * Keys sealing webhook signing secrets at rest, `<id>:<base64 32 bytes>` comma-separated, the first active
   * (activities/secretsAtRest.ts). Required when NODE_ENV=production; otherwise a development key stands in.
   */
  SECRET_KEYS: z.string().min(1).optional(),
  /** Worker only: a prebuilt workflow bundle (bundleWorkflowCode output); unset = bundle workflows/ at start-up. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema
    .refine((c) => c.PAYMENT_PROVIDER !== 'stripe' || c.STRIPE_SECRET_KEY !== undefined, {
      message: 'PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY',
      path: ['STRIPE_SECRET_KEY'],
    })
    .safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
