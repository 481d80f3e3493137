// The invariants of money in and out (part of checkInvariants.ts), over entity invoices and their payments, refunds,
// credit notes and disputes (legacy customer invoices keep their own shape and are left out):
//   invoice_payment      a paid invoice with an amount due has amountPaid = amountDue and exactly one succeeded payment,
//                        of exactly that amount; a paid invoice with nothing due, and an invoice that is not paid, has
//                        none (a charge that succeeded on an invoice settled otherwise is money taken twice), unless
//                        it is being returned: a duplicate_charge refund of all of it that did not fail
//   payment_attempts     a payment has at most one succeeded attempt; a succeeded payment with attempts has exactly
//                        one, whose provider reference is the payment's; a payment that did not succeed has none
//   payment_refunds      a payment's and an invoice's amountRefunded are the sum of their refunds the provider
//                        accepted (those with a credit note; for the invoice, not a duplicate charge's, which never
//                        paid it) and never more than was paid; a refund belongs to a payment of its own invoice
//   refund_credit_note   a succeeded refund has its credit note, a failed one none; a credit note has its refund's
//                        amount, currency, invoice and entity
//   credit_note_numbering credit note numbers per organization are exactly 1..N, and the next number is N+1
//   payment_disputes     a payment is marked disputed exactly when it has a dispute
import type { Db } from '../db.js';

type Row = Record<string, unknown>;

export interface PaymentViolation {
  rule:
    | 'invoice_payment'
    | 'payment_attempts'
    | 'payment_refunds'
    | 'refund_credit_note'
    | 'credit_note_numbering'
    | 'payment_disputes';
  ids: string[];
  detail: string;
}

export async function checkPaymentInvariants(db: Db, org: string | null): Promise<PaymentViolation[]> {
  const violations: PaymentViolation[] = [];
  const add = (rule: PaymentViolation['rule'], rows: Row[], ids: (r: Row) => unknown[], detail: (r: Row) => string) => {
    for (const r of rows) violations.push({ rule, ids: ids(r).map(String), detail: detail(r) });
  };

  const invoicePayments = await db.$queryRaw<Row[]>`
    SELECT i.id, i.status::text AS status, trim_scale(i."amountDue")::text AS due, trim_scale(i."amountPaid")::text AS paid,
           COUNT(p.id)::int AS succeeded, COALESCE(string_agg(trim_scale(p.amount)::text, ', '), '') AS amounts
    FROM "Invoice" i
    LEFT JOIN "Payment" p ON p."invoiceId" = i.id AND p.status = 'succeeded'
      AND NOT EXISTS (SELECT 1 FROM "Refund" d WHERE d."paymentId" = p.id AND d.kind = 'duplicate_charge'
                      AND d.status <> 'failed' AND d.amount = p.amount)
    WHERE i."entityId" IS NOT NULL AND (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid)
    GROUP BY i.id
    HAVING CASE WHEN i.status = 'paid' AND i."amountDue" > 0 THEN
             i."amountPaid" <> i."amountDue" OR COUNT(p.id) <> 1 OR bool_or(p.amount <> i."amountDue")
           ELSE COUNT(p.id) > 0 END`;
  add(
    'invoice_payment',
    invoicePayments,
    (r) => [r.id],
    (r) =>
      `${r.status} invoice due ${r.due}, paid ${r.paid}, with ${r.succeeded} succeeded payment(s)` +
      (r.amounts ? ` of ${r.amounts}` : ''),
  );

  const attempts = await db.$queryRaw<Row[]>`
    SELECT p.id, p.status::text AS status, p."providerRef" AS ref, COUNT(a.id)::int AS attempts,
           COUNT(a.id) FILTER (WHERE a.status = 'succeeded')::int AS succeeded,
           bool_or(a.status = 'succeeded' AND a."providerRef" IS DISTINCT FROM p."providerRef") AS "otherRef"
    FROM "Payment" p
    JOIN "PaymentAttempt" a ON a."paymentId" = p.id
    LEFT JOIN "Invoice" i ON i.id = p."invoiceId"
    LEFT JOIN "Entity" e ON e.id = p."entityId"
    WHERE (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid OR e."organizationId" = ${org}::uuid)
    GROUP BY p.id
    HAVING CASE WHEN p.status = 'succeeded' THEN
             COUNT(a.id) FILTER (WHERE a.status = 'succeeded') <> 1
             OR bool_or(a.status = 'succeeded' AND a."providerRef" IS DISTINCT FROM p."providerRef")
           ELSE COUNT(a.id) FILTER (WHERE a.status = 'succeeded') > 0 END`;
  add(
    'payment_attempts',
    attempts,
    (r) => [r.id],
    (r) =>
      `${r.status} payment with ${r.succeeded} succeeded of ${r.attempts} attempt(s)` +
      (r.otherRef ? `, one naming another provider reference than the payment's ${r.ref}` : ''),
  );

  const refunded = await db.$queryRaw<Row[]>`
    WITH accepted AS (
      SELECT r."paymentId", r."invoiceId", r.kind = 'duplicate_charge' AS duplicate, SUM(r.amount) AS amount
      FROM "Refund" r
      JOIN "CreditNote" n ON n."refundId" = r.id
      WHERE (${org}::uuid IS NULL OR r."organizationId" = ${org}::uuid)
      GROUP BY r."paymentId", r."invoiceId", r.kind = 'duplicate_charge'
    )
    SELECT 'payment' AS what, p.id, trim_scale(p."amountRefunded")::text AS recorded, trim_scale(COALESCE(SUM(a.amount), 0))::text AS refunds,
           trim_scale(p.amount)::text AS paid
    FROM "Payment" p
    LEFT JOIN accepted a ON a."paymentId" = p.id
    LEFT JOIN "Invoice" i ON i.id = p."invoiceId"
    LEFT JOIN "Entity" e ON e.id = p."entityId"
    WHERE (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid OR e."organizationId" = ${org}::uuid)
    GROUP BY p.id
    HAVING p."amountRefunded" <> COALESCE(SUM(a.amount), 0) OR p."amountRefunded" > p.amount
    UNION ALL
    SELECT 'invoice', i.id, trim_scale(i."amountRefunded")::text, trim_scale(COALESCE(SUM(a.amount), 0))::text, trim_scale(i."amountPaid")::text
    FROM "Invoice" i
    LEFT JOIN accepted a ON a."invoiceId" = i.id AND NOT a.duplicate
    WHERE i."entityId" IS NOT NULL AND (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid)
    GROUP BY i.id
    HAVING i."amountRefunded" <> COALESCE(SUM(a.amount), 0) OR i."amountRefunded" > i."amountPaid"
    UNION ALL
    SELECT 'refund', r.id, trim_scale(r.amount)::text, NULL, NULL
    FROM "Refund" r JOIN "Payment" p ON p.id = r."paymentId"
    WHERE p."invoiceId" IS DISTINCT FROM r."invoiceId" AND (${org}::uuid IS NULL OR r."organizationId" = ${org}::uuid)`;
  add(
    'payment_refunds',
    refunded,
    (r) => [r.id],
    (r) =>
      r.what === 'refund'
        ? `a refund of ${r.recorded} of a payment of another invoice`
        : `${r.what} amountRefunded ${r.recorded}, its accepted refunds sum to ${r.refunds}, ${r.paid} was paid`,
  );

  const notes = await db.$queryRaw<Row[]>`
    SELECT r.id, n.id AS "noteId", r.status::text AS status, trim_scale(r.amount)::text AS amount, trim_scale(n.amount)::text AS "noteAmount"
    FROM "Refund" r LEFT JOIN "CreditNote" n ON n."refundId" = r.id
    WHERE (${org}::uuid IS NULL OR r."organizationId" = ${org}::uuid)
      AND CASE WHEN n.id IS NULL THEN r.status = 'succeeded'
               ELSE r.status = 'failed' OR n.amount <> r.amount OR n.currency <> r.currency
                    OR n."invoiceId" <> r."invoiceId" OR n."entityId" <> r."entityId"
                    OR n."organizationId" <> r."organizationId" END`;
  add(
    'refund_credit_note',
    notes,
    (r) => (r.noteId ? [r.id, r.noteId] : [r.id]),
    (r) =>
      r.noteId === null
        ? `a ${r.status} refund of ${r.amount} without its credit note`
        : `a ${r.status} refund of ${r.amount} with a credit note of ${r.noteAmount} (or of another invoice)`,
  );

  const numbering = await db.$queryRaw<Row[]>`
    SELECT o.id, o."nextCreditNoteNumber" AS next, COUNT(n.number)::int AS numbered,
           COUNT(DISTINCT n.number)::int AS distinct_numbers, COALESCE(MAX(n.number), 0) AS max
    FROM "Organization" o LEFT JOIN "CreditNote" n ON n."organizationId" = o.id
    WHERE (${org}::uuid IS NULL OR o.id = ${org}::uuid)
    GROUP BY o.id, o."nextCreditNoteNumber"
    HAVING COUNT(n.number) <> COUNT(DISTINCT n.number) OR COALESCE(MAX(n.number), 0) <> COUNT(n.number)
        OR COALESCE(MIN(n.number), 1) <> 1 OR o."nextCreditNoteNumber" <> COUNT(n.number) + 1`;
  add(
    'credit_note_numbering',
    numbering,
    (r) => [r.id],
    (r) =>
      `${r.numbered} credit notes (${r.distinct_numbers} distinct numbers, highest ${r.max}), next number ${r.next}: ` +
      'numbers must be exactly 1..N',
  );

  const disputes = await db.$queryRaw<Row[]>`
    SELECT p.id, (p."disputedAt" IS NOT NULL) AS marked, COUNT(d.id)::int AS disputes
    FROM "Payment" p
    LEFT JOIN "Dispute" d ON d."paymentId" = p.id
    LEFT JOIN "Invoice" i ON i.id = p."invoiceId"
    LEFT JOIN "Entity" e ON e.id = p."entityId"
    WHERE (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid OR e."organizationId" = ${org}::uuid)
    GROUP BY p.id
    HAVING (p."disputedAt" IS NOT NULL) <> (COUNT(d.id) > 0)`;
  add(
    'payment_disputes',
    disputes,
    (r) => [r.id],
    (r) =>
      r.marked
        ? 'a payment marked disputed without a dispute'
        : `a payment with ${r.disputes} dispute(s) not marked disputed`,
  );

  return violations;
}
