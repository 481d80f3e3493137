// The knobs of `npm run chaos`, from CLI flags or the environment (flags win):
//   --seed N             CHAOS_SEED             workload and fault schedule seed (default: random, printed)
//   --duration S         CHAOS_DURATION_S       seconds of workload under faults (long 480, short 60)
//   --kill-interval S    CHAOS_KILL_INTERVAL_S  mean seconds between kills (long 4, short 7)
//   --concurrency N      CHAOS_CONCURRENCY      parallel marketplace clients (default 3)
//   --short              CHAOS_SHORT=1          the CI form: short defaults, at least one kill of every process type
//   --keep               CHAOS_KEEP=1           keep the temp dir (data, logs) for inspection
//   --payment-provider P PAYMENT_PROVIDER       sandbox (default) or stripe: the Stripe adapter against Stripe's test
//                                               mode on a stripe-mock of the run's own
export interface ChaosOptions {
  seed: number;
  durationMs: number;
  killIntervalMs: number;
  concurrency: number;
  short: boolean;
  keep: boolean;
  /** Longest the end-of-run quiesce may take before the run counts as stuck. */
  quiesceTimeoutMs: number;
  /** The provider the workers and APIs charge and refund through. */
  paymentProvider: 'sandbox' | 'stripe';
}

export function parseChaosOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) flags.set(name, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags.set(name, argv[++i]!);
    else flags.set(name, 'true');
  }
  const value = (flag: string, envName: string) => flags.get(flag) ?? env[envName];
  const bool = (flag: string, envName: string) => ['1', 'true', 'yes'].includes(value(flag, envName) ?? '');
  const num = (flag: string, envName: string, fallback: number) => {
    const raw = value(flag, envName);
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} / ${envName} must be a non-negative number: ${raw}`);
    return n;
  };
  const short = bool('short', 'CHAOS_SHORT');
  const paymentProvider = value('payment-provider', 'PAYMENT_PROVIDER') ?? 'sandbox';
  if (paymentProvider !== 'sandbox' && paymentProvider !== 'stripe') {
    throw new Error(`--payment-provider / PAYMENT_PROVIDER must be sandbox or stripe: ${paymentProvider}`);
  }
  return {
    seed: Math.floor(num('seed', 'CHAOS_SEED', Math.floor(Math.random() * 2 ** 31))),
    durationMs: num('duration', 'CHAOS_DURATION_S', short ? 60 : 480) * 1000,
    killIntervalMs: num('kill-interval', 'CHAOS_KILL_INTERVAL_S', short ? 7 : 4) * 1000,
    concurrency: Math.max(1, Math.floor(num('concurrency', 'CHAOS_CONCURRENCY', 3))),
    short,
    keep: bool('keep', 'CHAOS_KEEP'),
    quiesceTimeoutMs: num('quiesce-timeout', 'CHAOS_QUIESCE_TIMEOUT_S', short ? 240 : 600) * 1000,
    paymentProvider,
  };
}
