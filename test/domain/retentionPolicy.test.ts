import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETENTION,
  LEGAL_FINANCIAL_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  type RetentionPeriods,
  refuseRetentionPolicy,
  retentionCutoff,
} from '../../domain/retentionPolicy.js';

const days = (min: number, max = MAX_RETENTION_DAYS) => fc.integer({ min, max });

describe('refuseRetentionPolicy', () => {
  it('accepts the defaults', () => {
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION })).toBeNull();
  });

  it('refuses financial records kept less than 10 years', () => {
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, financialRecordDays: 3649 })).toEqual({
      code: 'FINANCIAL_RETENTION_TOO_SHORT',
      field: 'financialRecordDays',
      message: 'invoices and ledger entries are kept at least 3650 days (10 years)',
    });
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, financialRecordDays: 3650 })).toBeNull();
  });

  it('refuses idempotency records shorter than the replay window allows', () => {
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, idempotencyRecordDays: 1 })?.code).toBe(
      'RETENTION_PERIOD_TOO_SHORT',
    );
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, idempotencyRecordDays: 2 })).toBeNull();
  });

  it('refuses zero, negative and fractional days', () => {
    for (const bad of [0, -1, 1.5]) {
      expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, auditLogDays: bad })).toEqual({
        code: 'RETENTION_PERIOD_TOO_SHORT',
        field: 'auditLogDays',
        message: 'auditLogDays must be a whole number of days >= 1',
      });
    }
  });

  it('refuses attempts kept longer than their payloads', () => {
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, webhookPayloadDays: 10, webhookAttemptDays: 11 })?.code).toBe(
      'WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS',
    );
    expect(refuseRetentionPolicy({ ...DEFAULT_RETENTION, webhookPayloadDays: 10, webhookAttemptDays: 10 })).toBeNull();
  });

  it('accepts exactly the policies within every rule (property)', () => {
    fc.assert(
      fc.property(
        fc.record<RetentionPeriods>({
          rawEventDays: days(-5),
          webhookPayloadDays: days(-5),
          webhookAttemptDays: days(-5),
          idempotencyRecordDays: days(-5),
          auditLogDays: days(-5),
          financialRecordDays: days(3000),
        }),
        (p) => {
          const valid =
            p.financialRecordDays >= LEGAL_FINANCIAL_RETENTION_DAYS &&
            p.idempotencyRecordDays >= 2 &&
            Object.values(p).every((d) => d >= 1) &&
            p.webhookAttemptDays <= p.webhookPayloadDays;
          expect(refuseRetentionPolicy(p) === null).toBe(valid);
        },
      ),
    );
  });
});

describe('retentionCutoff', () => {
  it('is midnight UTC, the given number of days before the day of asOf', () => {
    expect(retentionCutoff(new Date('2027-03-10T17:45:00.000Z'), 30).toISOString()).toBe('2027-02-08T00:00:00.000Z');
    expect(retentionCutoff(new Date('2027-03-10T00:00:00.000Z'), 1).toISOString()).toBe('2027-03-09T00:00:00.000Z');
  });

  it('is the same for every instant of a day, and a day later for the next day (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), days(1, 4000), (ms, d) => {
        const dayStart = Math.floor(ms / 86_400_000) * 86_400_000;
        const cutoff = retentionCutoff(new Date(ms), d).getTime();
        expect(cutoff).toBe(dayStart - d * 86_400_000);
        expect(retentionCutoff(new Date(dayStart + 86_400_000), d).getTime()).toBe(cutoff + 86_400_000);
      }),
    );
  });
});
