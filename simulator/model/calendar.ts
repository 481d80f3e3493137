// The reference model's own calendar: billing boundaries computed without the platform's domain/ code, so a bug
// there cannot hide in both. A boundary is the first instant of the anchor day's local date (the anchor clamped to
// the month's length), found by bisection over UTC milliseconds on Intl's local date, rather than by the platform's
// offset arithmetic.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date of `t` in `timeZone` as a comparable number yyyymmdd. */
export function localDateKey(t: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return get('year') * 10_000 + get('month') * 100 + get('day');
}

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The first instant (ms) whose local date in `timeZone` is year-month-day or later. */
export function startOfLocalDate(year: number, month: number, day: number, timeZone: string): number {
  const target = year * 10_000 + month * 100 + day;
  // Every real offset lies within ±15 h of UTC: the first instant of the local day is within this window.
  let lo = Date.UTC(year, month - 1, day) - 16 * 3_600_000;
  let hi = Date.UTC(year, month - 1, day) + 16 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDateKey(mid, timeZone) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The monthly boundary in month `month` (1..12) of `year`: the anchor day, clamped, at local midnight. */
export function monthlyBoundary(year: number, month: number, anchorDay: number, timeZone: string): number {
  return startOfLocalDate(year, month, Math.min(anchorDay, lastDayOfMonth(year, month)), timeZone);
}

/** The first monthly boundary strictly after `t`. */
export function nextBoundaryAfter(t: number, anchorDay: number, timeZone: string): number {
  const key = localDateKey(t, timeZone);
  let year = Math.floor(key / 10_000);
  let month = Math.floor(key / 100) % 100;
  // Start a month back (the boundary of this month may still be ahead) and walk forward.
  month -= 1;
  if (month === 0) {
    month = 12;
    year -= 1;
  }
  for (;;) {
    const b = monthlyBoundary(year, month, anchorDay, timeZone);
    if (b > t) return b;
    month += 1;
    if (month === 13) {
      month = 1;
      year += 1;
    }
  }
}

/** The last monthly boundary at or before `t`. */
export function boundaryAtOrBefore(t: number, anchorDay: number, timeZone: string): number {
  const key = localDateKey(t, timeZone);
  let year = Math.floor(key / 10_000);
  let month = (Math.floor(key / 100) % 100) + 1;
  if (month === 13) {
    month = 1;
    year += 1;
  }
  for (;;) {
    const b = monthlyBoundary(year, month, anchorDay, timeZone);
    if (b <= t) return b;
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
}

/** The local month (1..12) of `t`. */
export function localMonth(t: number, timeZone: string): number {
  return Math.floor(localDateKey(t, timeZone) / 100) % 100;
}

/** The schedule period holding `t`: monthly on the anchor day, or yearly on the anchor day of `anchorMonth`. */
export function schedulePeriod(
  t: number,
  schedule: { interval: 'month' | 'year'; anchorDay: number; timeZone: string; anchorMonth?: number },
): { start: number; end: number } {
  const { anchorDay, timeZone } = schedule;
  if (schedule.interval === 'month') {
    return { start: boundaryAtOrBefore(t, anchorDay, timeZone), end: nextBoundaryAfter(t, anchorDay, timeZone) };
  }
  const month = schedule.anchorMonth ?? 1;
  let year = Math.floor(localDateKey(t, timeZone) / 10_000) + 1;
  while (monthlyBoundary(year, month, anchorDay, timeZone) > t) year -= 1;
  return {
    start: monthlyBoundary(year, month, anchorDay, timeZone),
    end: monthlyBoundary(year + 1, month, anchorDay, timeZone),
  };
}
