// Per-key rate limiting: a token bucket per API key, refilled at `perSecond` up to `burst`. Over the limit the API
// answers 429 RATE_LIMITED with Retry-After (whole seconds until a token is back).
//
// The buckets live in this process's memory: with N API processes behind a load balancer a key gets up to N times
// the limit. That is deliberate (no shared store on the request path); put a gateway limit in front for a hard cap.
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './auth.js';
import { ProblemError } from './problem.js';

export interface RateLimitOptions {
  /** Tokens added per second; 0 disables limiting. */
  perSecond: number;
  /** Bucket size: the most requests a key can make at once after being idle. */
  burst: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_BUCKETS = 100_000;

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AuthEnv> {
  const now = opts.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    if (opts.perSecond <= 0) return next();
    const key = c.var.auth.apiKeyId;
    const t = now();
    let bucket = buckets.get(key);
    if (!bucket) {
      // A bounded map: idle keys are full buckets anyway, so forgetting them loses nothing.
      if (buckets.size >= MAX_BUCKETS) buckets.clear();
      bucket = { tokens: opts.burst, updatedAt: t };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(opts.burst, bucket.tokens + ((t - bucket.updatedAt) / 1000) * opts.perSecond);
    bucket.updatedAt = t;
    c.header('RateLimit-Limit', String(opts.burst));
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / opts.perSecond));
      c.header('Retry-After', String(retryAfter));
      c.header('RateLimit-Remaining', '0');
      throw new ProblemError(
        429,
        'RATE_LIMITED',
        'Too many requests',
        `This API key may make ${opts.perSecond} requests per second (bursts of ${opts.burst}); retry after ${retryAfter} s`,
      );
    }
    bucket.tokens -= 1;
    c.header('RateLimit-Remaining', String(Math.floor(bucket.tokens)));
    await next();
  };
}
