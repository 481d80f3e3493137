import type { Decimal } from 'decimal.js';
import { InvalidAmountError, InvalidCreditGrantError } from './errors.js';
import { BillingDecimal, type DecimalInput, toDecimal } from './money.js';

/**
 * Which prepaid credit grants an amount is drawn from.
 *
 * Order: earliest expiry first (grants that never expire last), then lower `priority` value first (priority 0
 * is drawn before priority 1, as in "P0"), then the oldest grant (earliest `createdAt`), then grant id, so the
 * order is total and the same grants always give the same draws. Grants already expired at `asOf`
 * (expiresAt <= asOf) and empty grants are skipped: their remainder belongs to the expiry job, not to usage.
 *
 * The plan never takes more from a grant than it holds and never more than asked. When the grants cannot cover
 * the amount, everything available is drawn and the rest is reported as `shortfall`; the caller decides whether
 * that rejects the event (INSUFFICIENT_CREDITS) or bills the rest later (overage). Amounts are exact decimals
 * in credit units; nothing is rounded.
 */

export interface CreditGrantBalance {
  id: string;
  /** What the grant still holds, >= 0. */
  remaining: DecimalInput;
  /** The grant is usable strictly before this instant; null never expires. */
  expiresAt: Date | null;
  /** Lower is drawn first among grants expiring at the same instant. */
  priority: number;
  createdAt: Date;
}

export interface CreditDraw {
  grantId: string;
  amount: Decimal;
  remainingAfter: Decimal;
}

export interface DrawdownPlan {
  requested: Decimal;
  draws: CreditDraw[];
  /** Sum of the draws. */
  drawn: Decimal;
  /** requested - drawn, zero when the grants covered it. */
  shortfall: Decimal;
}

interface ParsedGrant {
  grant: CreditGrantBalance;
  remaining: Decimal;
}

function parseGrant(grant: CreditGrantBalance): ParsedGrant {
  let remaining: Decimal;
  try {
    remaining = toDecimal(grant.remaining);
  } catch (error) {
    if (error instanceof InvalidAmountError) throw new InvalidCreditGrantError(error.message, grant.id);
    throw error;
  }
  if (remaining.isNegative()) throw new InvalidCreditGrantError('remaining cannot be negative', grant.id);
  if (!Number.isFinite(grant.priority)) throw new InvalidCreditGrantError('priority must be a number', grant.id);
  if (!(grant.createdAt instanceof Date) || !Number.isFinite(grant.createdAt.getTime())) {
    throw new InvalidCreditGrantError('createdAt must be a valid Date', grant.id);
  }
  if (grant.expiresAt !== null && !(grant.expiresAt instanceof Date && Number.isFinite(grant.expiresAt.getTime()))) {
    throw new InvalidCreditGrantError('expiresAt must be a valid Date or null', grant.id);
  }
  return { grant, remaining };
}

function compareGrants(a: CreditGrantBalance, b: CreditGrantBalance): number {
  const ea = a.expiresAt === null ? Number.POSITIVE_INFINITY : a.expiresAt.getTime();
  const eb = b.expiresAt === null ? Number.POSITIVE_INFINITY : b.expiresAt.getTime();
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.priority !== b.priority) return a.priority < b.priority ? -1 : 1;
  const ca = a.createdAt.getTime();
  const cb = b.createdAt.getTime();
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function usableGrants(grants: readonly CreditGrantBalance[], asOf: Date): ParsedGrant[] {
  if (!(asOf instanceof Date) || !Number.isFinite(asOf.getTime())) {
    throw new InvalidCreditGrantError('asOf must be a valid Date');
  }
  const now = asOf.getTime();
  return grants
    .map(parseGrant)
    .filter(({ grant, remaining }) => remaining.greaterThan(0) && (grant.expiresAt?.getTime() ?? Infinity) > now)
    .sort((a, b) => compareGrants(a.grant, b.grant));
}

/** The grants usable at `asOf`, in the order they are drawn. */
export function drawOrder(grants: readonly CreditGrantBalance[], asOf: Date): CreditGrantBalance[] {
  return usableGrants(grants, asOf).map(({ grant }) => grant);
}

/** Total still usable at `asOf`. */
export function availableCredits(grants: readonly CreditGrantBalance[], asOf: Date): Decimal {
  return usableGrants(grants, asOf).reduce((sum: Decimal, { remaining }) => sum.plus(remaining), new BillingDecimal(0));
}

/** Draws `amount` from `grants` in the documented order, as of instant `asOf`. */
export function planDrawdown(grants: readonly CreditGrantBalance[], amount: DecimalInput, asOf: Date): DrawdownPlan {
  const requested = toDecimal(amount);
  if (requested.isNegative()) throw new InvalidAmountError('cannot draw a negative amount', requested.toString());

  return drawFrom(usableGrants(grants, asOf), requested);
}

/** The draw itself, over grants already in draw order; a grant emptied by an earlier draw is passed over. */
function drawFrom(usable: readonly ParsedGrant[], requested: Decimal): DrawdownPlan {
  const draws: CreditDraw[] = [];
  let left = requested;
  for (const { grant, remaining } of usable) {
    if (left.isZero()) break;
    if (remaining.isZero()) continue;
    const take = BillingDecimal.min(remaining, left);
    draws.push({ grantId: grant.id, amount: take, remainingAfter: remaining.minus(take) });
    left = left.minus(take);
  }
  return { requested, draws, drawn: requested.minus(left), shortfall: left };
}

/**
 * Many amounts drawn one after another from the same grants as of one instant: what the metering hot path does for
 * every event of a batch. The grants are parsed, filtered and ordered once instead of once per amount; `plan` gives
 * exactly what planDrawdown gives on the grants as the applied plans left them, and `apply` writes a plan into this
 * object and into the grants' `remaining` (which the caller may keep reading).
 */
export class SequentialDrawdown {
  private readonly usable: ParsedGrant[];
  /** What the usable grants still hold (availableCredits at `asOf`), kept current through the draws. */
  available: Decimal;

  constructor(
    grants: readonly CreditGrantBalance[],
    readonly asOf: Date,
  ) {
    this.usable = usableGrants(grants, asOf);
    this.available = this.usable.reduce((sum: Decimal, { remaining }) => sum.plus(remaining), new BillingDecimal(0));
  }

  /** The plan for `amount`, without applying it (to price a rejection, for instance). */
  plan(amount: Decimal): DrawdownPlan {
    if (amount.isNegative()) throw new InvalidAmountError('cannot draw a negative amount', amount.toString());
    return drawFrom(this.usable, amount);
  }

  /** Applies a plan made by `plan` (and nothing drawn since). */
  apply(plan: DrawdownPlan): void {
    for (const draw of plan.draws) {
      const parsed = this.usable.find((p) => p.grant.id === draw.grantId) as ParsedGrant;
      parsed.remaining = draw.remainingAfter;
      parsed.grant.remaining = draw.remainingAfter;
    }
    this.available = this.available.minus(plan.drawn);
  }
}
