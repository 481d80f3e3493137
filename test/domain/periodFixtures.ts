// Shorthands the billing period tests share.
import type { BillingPeriod, BillingSchedule } from '../../domain/index.js';

export const iso = (p: BillingPeriod) => [p.start.toISOString(), p.end.toISOString()];
export const d = (s: string) => new Date(s);
export const monthly = (anchorDay: number, timeZone = 'UTC'): BillingSchedule => ({
  anchorDay,
  timeZone,
  interval: 'month',
});
export const DAY = 86_400;
