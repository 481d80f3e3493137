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

/** Exact sum, shown with two decimals (amounts from the API are already rounded to the currency). */
export function sumAmounts(amounts: string[], decimals = 2): string {
  return fromUnits(
    amounts.reduce((s, a) => s + toUnits(a), 0n),
    decimals,
  );
}

export const amountNumber = (s: string) => Number(s);
