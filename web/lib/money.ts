// Sums of API money strings without floating point: scaled to 6 decimals as bigint.
const SCALE = 6;

function toUnits(s: string): bigint {
  const neg = s.startsWith('-');
  const [int = '0', frac = ''] = (neg ? s.slice(1) : s).split('.');
  const units = BigInt(int) * 10n ** BigInt(SCALE) + BigInt((frac + '000000').slice(0, SCALE) || '0');
  return neg ? -units : units;
}

function fromUnits(u: bigint, decimals: number): string {
  const neg = u < 0n;
  const abs = neg ? -u : u;
  const int = abs / 10n ** BigInt(SCALE);
  const frac = (abs % 10n ** BigInt(SCALE)).toString().padStart(SCALE, '0');
  const shown = decimals > 0 ? `${int}.${frac.slice(0, decimals)}` : `${int}`;
  return neg ? `-${shown}` : shown;
}

const decimalsOf = (s: string) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);

/**
 * Exact sum of amounts of one currency, shown with as many decimals as the amounts have: the API prints each with at
 * least its currency's minor-unit digits (JPY none, USD two, KWD three), so a yen sum shows no cents and a dinar sum
 * keeps its fils. `decimals` forces a number of decimals (at most 6).
 */
export function sumAmounts(amounts: string[], decimals?: number): string {
  const shown = decimals ?? amounts.reduce((d, a) => Math.max(d, decimalsOf(a)), 0);
  return fromUnits(
    amounts.reduce((s, a) => s + toUnits(a), 0n),
    Math.min(shown, SCALE),
  );
}

export const amountNumber = (s: string) => Number(s);

/** Decimals of the currency's minor unit (JPY 0, USD 2, KWD 3), as the runtime's currency data has them; else 2. */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
