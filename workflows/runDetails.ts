// What a run says about itself in the Temporal UI: whose it is (organization and entity names, given by the start in
// the input and carried across continue-as-new) and, in its current details, what it is doing. A continued run gets
// no static summary (continue-as-new has no user metadata), so the current details repeat the names.
// Pure formatting: no workflow commands, so replays are unaffected.

/** The display names a start adds to the input. Absent in runs started before names existed. */
export interface RunNamesInput {
  names?: { organization: string; entity?: string | undefined } | undefined;
}

/** "Acme US (org Acme)", or the entity id when the names are unknown. */
export function tenantLabel(names: RunNamesInput['names'], entityId: string): string {
  if (!names) return `entity ${entityId}`;
  return names.entity ? `${names.entity} (org ${names.organization})` : `org ${names.organization}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The calendar date of `ms` in `timeZone` (Intl is deterministic in the workflow sandbox). */
function dayOf(ms: number, timeZone: string): { day: number; month: string; year: number } {
  let tz = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    tz = 'UTC';
  }
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric' });
  for (const p of format.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return { day: Number(parts.day), month: MONTHS[Number(parts.month) - 1] ?? '', year: Number(parts.year) };
}

/**
 * "period 1–31 Dec 2026": the period's first and last day (the end instant is exclusive, so its last day is the day
 * before it) in the entity's time zone.
 */
export function periodLabel(startIso: string, endIso: string, timeZone: string): string {
  const first = dayOf(Date.parse(startIso), timeZone);
  const last = dayOf(Date.parse(endIso) - 1, timeZone);
  if (first.year === last.year && first.month === last.month) {
    return `period ${first.day}–${last.day} ${last.month} ${last.year}`;
  }
  if (first.year === last.year) return `period ${first.day} ${first.month} – ${last.day} ${last.month} ${last.year}`;
  return `period ${first.day} ${first.month} ${first.year} – ${last.day} ${last.month} ${last.year}`;
}
