// The printed result of a fault-injection run.
import type { ChaosOptions } from './options.js';
import type { ProcessKind } from './supervisor.js';
import type { Violation, WebhookTally } from './verifier.js';
import type { WorkloadCounts } from './workloadRecord.js';

export interface ChaosSummary {
  seed: number;
  durationS: number;
  totalS: number;
  counts: WorkloadCounts;
  kills: Record<ProcessKind, number>;
  crashes: Record<ProcessKind, number>;
  paymentProvider: 'sandbox' | 'stripe';
  /** Stripe answers held back (stripe only). */
  stripeStalls: number;
  clientRequests: number;
  clientRetries: number;
  retryReasons: Record<string, number>;
  refusals: Record<string, number>;
  webhooks: WebhookTally & { received: number; answered500: number; badSignatures: number };
  violations: Violation[];
}

export function formatSummary(s: ChaosSummary, opts: ChaosOptions): string {
  const c = s.counts;
  const kills = s.kills;
  const totalKills = Object.values(kills).reduce((a, b) => a + b, 0);
  const reasons = Object.entries(s.retryReasons)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  const lines = [
    '',
    `  Fault-injection run (seed ${s.seed}${opts.short ? ', short' : ''}): ${s.durationS} s of workload, ${s.totalS} s in all`,
    `  events        sent ${c.eventsSent} (${c.batches} batches), accepted ${c.eventsAccepted}, rejected ${c.eventsRejected}, invalid ${c.eventsInvalid}, unanswered ${c.eventsUnknown}`,
    `  credits       purchases ${c.purchases}, transfers ${c.transfers} (refused ${c.transfersRefused})`,
    `  seats         changes ${c.seatChanges} (refused ${c.seatChangesRefused}), pauses ${c.pauses}, resumes ${c.resumes}`,
    `  periods       closes ${c.closes}`,
    `  payments      provider ${s.paymentProvider}, refunds ${c.refunds} (refused ${c.refundsRefused}), disputes opened ${c.disputesOpened}, closed ${c.disputesClosed}${s.paymentProvider === 'stripe' ? `, Stripe answers held back ${s.stripeStalls}` : ''}`,
    `  work          payments ${c.workPayments} (refused ${c.workPaymentsRefused}), refunds ${c.workPaymentRefunds} (refused ${c.workPaymentRefundsRefused})`,
    `  refused       ${
      Object.entries(s.refusals)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
    `  kills         ${totalKills}: worker ${kills.worker}, api ${kills.api}, temporal ${kills.temporal}, postgres ${kills.postgres}`,
    `  crashes       (exits nobody asked for) worker ${s.crashes.worker}, api ${s.crashes.api}, temporal ${s.crashes.temporal}, postgres ${s.crashes.postgres}`,
    `  client        ${s.clientRequests} requests, ${s.clientRetries} retries${reasons ? ` (${reasons})` : ''}`,
    `  webhooks      outbox rows ${s.webhooks.outboxRows}, deliveries ${s.webhooks.deliveries}, delivered ${s.webhooks.delivered}, distinct ids received ${s.webhooks.received}, 500s answered ${s.webhooks.answered500}, bad signatures ${s.webhooks.badSignatures}`,
    `  violations: ${s.violations.length}`,
    ...s.violations.slice(0, 40).map((v) => `    ${v.rule}: ${v.detail}`),
    ...(s.violations.length > 40 ? [`    ... and ${s.violations.length - 40} more`] : []),
    '',
  ];
  return lines.join('\n');
}
