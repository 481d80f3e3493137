// What "no duplicate processing" means for a billing run, checked in the database after the run settled:
//   - every entity has exactly one invoice for the period (none missing, none twice)
//   - invoice numbers of the organization are unique and gap-free (exactly 1..N, next number N+1)
//   - each invoice's total is the one the fixture predicts for its entity (so two runs can be compared), and equals
//     the sum of its lines
//   - each invoice was charged at most once (one succeeded payment attempt where something was due, none otherwise)
//     and announced once (one invoice.finalized outbox row)
//   - the platform's invariant checker finds nothing in the organization
import type pg from 'pg';
import type { Db } from '../activities/db.js';
import { checkInvariants, type InvariantViolation } from '../activities/invariants/checkInvariants.js';
import type { BillingRunFixture } from './billingRunFixture.js';

export interface BillingRunVerdict {
  invoices: number;
  entitiesWithoutInvoice: number;
  duplicateInvoices: number;
  numbering: { distinct: number; min: number; max: number; next: number; gapFree: boolean };
  /** Ordinals whose invoice total differs from the fixture's prediction. */
  wrongTotals: Array<{ ordinal: number; total: string; expected: string }>;
  /** Invoices whose succeeded charges are not exactly one (or not zero when nothing was due). */
  wrongCharges: number;
  /** Invoices with other than one invoice.finalized outbox row. */
  wrongAnnouncements: number;
  violations: InvariantViolation[];
  /** Invoice total by ordinal (index i - 1), for comparing runs. */
  totals: string[];
  ok: boolean;
}

export async function verifyBillingRun(db: Db, pool: pg.Pool, f: BillingRunFixture): Promise<BillingRunVerdict> {
  const org = f.organizationId;
  const perEntity = await pool.query<{ entityId: string; invoices: number; total: string | null }>(
    `SELECT e.id AS "entityId", count(i.id)::int AS invoices, min(i.total)::numeric(20,2)::text AS total
     FROM "Entity" e LEFT JOIN "Invoice" i ON i."entityId" = e.id
     WHERE e."organizationId" = $1 GROUP BY e.id`,
    [org],
  );
  const numbering = (
    await pool.query<{ count: number; distinct: number; min: number; max: number; next: number }>(
      `SELECT count(i.number)::int AS count, count(DISTINCT i.number)::int AS distinct,
              coalesce(min(i.number), 0) AS min, coalesce(max(i.number), 0) AS max, o."nextInvoiceNumber" AS next
       FROM "Organization" o LEFT JOIN "Invoice" i ON i."organizationId" = o.id
       WHERE o.id = $1 GROUP BY o.id`,
      [org],
    )
  ).rows[0]!;
  const wrongCharges = (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT i.id, i."amountDue", count(a.id) FILTER (WHERE a.status = 'succeeded') AS charged
         FROM "Invoice" i LEFT JOIN "Payment" p ON p."invoiceId" = i.id
         LEFT JOIN "PaymentAttempt" a ON a."paymentId" = p.id
         WHERE i."organizationId" = $1 GROUP BY i.id, i."amountDue") x
       WHERE charged <> CASE WHEN "amountDue" > 0 THEN 1 ELSE 0 END`,
      [org],
    )
  ).rows[0]!.n;
  const wrongAnnouncements = (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT i.id, count(w.id) AS rows FROM "Invoice" i
         LEFT JOIN "WebhookEvent" w ON w."organizationId" = i."organizationId" AND w.type = 'invoice.finalized'
           AND w."idempotencyKey" = 'invoice.finalized:' || i.id
         WHERE i."organizationId" = $1 GROUP BY i.id) x WHERE rows <> 1`,
      [org],
    )
  ).rows[0]!.n;
  // Every outbox row of the run must have been dispatched by now: no grace period.
  const { violations } = await checkInvariants(db, { organizationId: org, outboxGraceSeconds: 0 });

  const totals: string[] = new Array(f.entityIds.length).fill('missing');
  let invoices = 0;
  let entitiesWithoutInvoice = 0;
  let duplicateInvoices = 0;
  for (const row of perEntity.rows) {
    invoices += row.invoices;
    if (row.invoices === 0) entitiesWithoutInvoice += 1;
    if (row.invoices > 1) duplicateInvoices += row.invoices - 1;
    const ordinal = f.ordinalOf.get(row.entityId);
    if (ordinal !== undefined && row.total !== null) totals[ordinal - 1] = row.total;
  }
  const wrongTotals = totals
    .map((total, k) => ({ ordinal: k + 1, total, expected: f.expectedTotals[k]! }))
    .filter((t) => t.total !== t.expected);
  const n = f.entityIds.length;
  const gapFree =
    numbering.count === n &&
    numbering.distinct === n &&
    numbering.min === 1 &&
    numbering.max === n &&
    numbering.next === n + 1;
  return {
    invoices,
    entitiesWithoutInvoice,
    duplicateInvoices,
    numbering: { distinct: numbering.distinct, min: numbering.min, max: numbering.max, next: numbering.next, gapFree },
    wrongTotals,
    wrongCharges,
    wrongAnnouncements,
    violations,
    totals,
    ok:
      invoices === n &&
      entitiesWithoutInvoice === 0 &&
      duplicateInvoices === 0 &&
      gapFree &&
      wrongTotals.length === 0 &&
      wrongCharges === 0 &&
      wrongAnnouncements === 0 &&
      violations.length === 0,
  };
}

/** Ordinals whose invoice totals differ between two runs of the same fixture size. */
export function compareTotals(a: string[], b: string[]): number[] {
  const diff: number[] = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) if (a[k] !== b[k]) diff.push(k + 1);
  return diff;
}
