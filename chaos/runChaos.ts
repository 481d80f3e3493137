// One fault-injection run, end to end: launch the platform (2 workers, 2 APIs), set up the marketplace, drive the
// seeded workload while the fault injector kills processes, stop the faults, quiesce, verify, stop the platform.
// With the Stripe adapter selected, Stripe itself misbehaves too: every ~20 s its test mode holds back the answer to
// the next PaymentIntent or refund (carried out, never answered: an unknown outcome the platform must repeat with the
// same key and record once).
import { closeDb, createDb } from '../activities/db.js';
import { FaultInjector } from './faultInjector.js';
import { MarketplaceClient, newClientStats } from './marketplaceClient.js';
import { setUpMarketplace } from './marketplaceSetup.js';
import type { ChaosOptions } from './options.js';
import { launchPlatform, type Platform } from './platform.js';
import { seededRng } from './random.js';
import type { ChaosSummary } from './summary.js';
import type { ProcessKind } from './supervisor.js';
import { quiesce, verify } from './verifier.js';
import { WebhookReceiver } from './webhookReceiver.js';
import { driveWorkload } from './workload.js';
import { newWorkloadRecord } from './workloadRecord.js';

export async function runChaos(opts: ChaosOptions, log: (msg: string) => void): Promise<ChaosSummary> {
  const startedAt = Date.now();
  const receiver = new WebhookReceiver();
  const receiverUrl = await receiver.start();
  let platform: Platform | undefined;
  try {
    platform = await launchPlatform({ workers: 2, apis: 2, log, paymentProvider: opts.paymentProvider });
    const stats = newClientStats();
    const bootstrap = new MarketplaceClient(platform.apiUrls, platform.bootstrapKey, stats);
    log('setting up the marketplace through the API');
    const orgs = await setUpMarketplace(bootstrap, receiver, receiverUrl, opts.seed, platform.payments);
    const rec = newWorkloadRecord(orgs, platform.payments);

    const injector = new FaultInjector(platform.services, {
      rng: seededRng(opts.seed ^ 0x5eed),
      meanIntervalMs: opts.killIntervalMs,
      log,
    });
    const workloadStart = Date.now();
    log(`workload for ${opts.durationMs / 1000} s, a kill every ~${opts.killIntervalMs / 1000} s (seed ${opts.seed})`);
    injector.start();
    const stripe = platform.payments.stripe;
    let stripeStalls = 0;
    const stalls = stripe
      ? setInterval(() => {
          stripe.stallNext(1, stripeStalls % 2 === 0 ? '/v1/payment_intents' : '/v1/refunds');
          stripeStalls += 1;
        }, 20_000)
      : undefined;
    const progress = setInterval(() => {
      const c = rec.counts;
      log(
        `  ${Math.round((Date.now() - workloadStart) / 1000)} s: events ${c.eventsSent}, kills ${injector.total}, ` +
          `retries ${stats.retries}, up: ${platform!.services.map((s) => `${s.name}=${s.state}`).join(' ')}`,
      );
    }, 15_000);
    await driveWorkload(rec, opts.seed, opts.concurrency, workloadStart + opts.durationMs);
    const durationS = Math.round((Date.now() - workloadStart) / 1000);
    clearInterval(progress);
    clearInterval(stalls);
    log('workload done; stopping faults and waiting for every process to come back');
    await injector.stop();
    for (const s of platform.services) await s.waitUntilUp();
    receiver.recover();

    const db = createDb(platform.databaseUrl, 3);
    try {
      log('quiescing (outbox dispatched, webhooks delivered, billing workflows settled)');
      const unsettled = await quiesce(db, platform.temporal, rec, receiver, opts.quiesceTimeoutMs, log);
      const { violations, webhooks } = await verify(db, rec, receiver, unsettled);
      const crashes: Record<ProcessKind, number> = { worker: 0, api: 0, temporal: 0, postgres: 0 };
      for (const s of platform.services) crashes[s.kind] += s.crashes;
      // A process that dies without being killed (an unhandled error, a fatal reconnect) is a defect of its own.
      for (const s of platform.services) {
        if (s.crashes > 0)
          violations.push({ rule: 'process_crash', detail: `${s.name} exited on its own ${s.crashes} time(s)` });
      }
      return {
        seed: opts.seed,
        durationS,
        totalS: Math.round((Date.now() - startedAt) / 1000),
        counts: rec.counts,
        kills: { ...injector.kills },
        crashes,
        paymentProvider: opts.paymentProvider,
        stripeStalls,
        clientRequests: stats.requests,
        clientRetries: stats.retries,
        retryReasons: Object.fromEntries(stats.retryReasons),
        refusals: Object.fromEntries(rec.refusals),
        webhooks: {
          ...webhooks,
          received: receiver.seen.size,
          answered500: receiver.stats.answered500,
          badSignatures: receiver.stats.badSignatures,
        },
        violations,
      };
    } finally {
      await closeDb(db).catch(() => {});
    }
  } finally {
    await receiver.stop();
    if (platform) {
      if (opts.keep) log(`keeping ${platform.dir} (logs in logs/)`);
      await platform.stop({ keepDir: opts.keep });
    }
  }
}
