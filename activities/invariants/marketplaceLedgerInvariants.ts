// The invariants of the marketplace's double-entry ledger (part of checkInvariants.ts):
//   ledger_transaction_balance  every transaction has at least two postings, all in its currency and on accounts of
//                               its currency and organization, and they sum to exactly zero
//   ledger_account_balance      every account's balance is the sum of its postings (so every payee's balance, its
//                               payee_payable accounts, is the sum of its postings); payee accounts name a payee
//   work_payment_ledger         a succeeded work payment's allocation sums to its amount and it posted exactly its
//                               work_payment (client receivable debited by the amount) and work_payment_collected
//                               transactions, plus one pair per succeeded refund; amountRefunded is the sum of its
//                               succeeded refunds and at most the amount; a work payment that did not succeed posted
//                               nothing and has no refund that did
//   payout_ledger               a payout posted exactly one `payout` transaction of its amount (payee payable debited)
//                               and, once paid or failed, exactly one payout_paid or payout_failed; in transit, neither
import type { Db } from '../db.js';

type Row = Record<string, unknown>;

export interface MarketplaceLedgerViolation {
  rule: 'ledger_transaction_balance' | 'ledger_account_balance' | 'work_payment_ledger' | 'payout_ledger';
  ids: string[];
  detail: string;
}

export async function checkMarketplaceLedgerInvariants(
  db: Db,
  org: string | null,
): Promise<MarketplaceLedgerViolation[]> {
  const violations: MarketplaceLedgerViolation[] = [];
  const add = (
    rule: MarketplaceLedgerViolation['rule'],
    rows: Row[],
    ids: (r: Row) => unknown[],
    detail: (r: Row) => string,
  ) => {
    for (const r of rows) violations.push({ rule, ids: ids(r).map(String), detail: detail(r) });
  };

  const unbalanced = await db.$queryRaw<Row[]>`
    SELECT t.id, t.currency, COUNT(p.id)::int AS postings, COALESCE(trim_scale(SUM(p.amount)), 0)::text AS total,
           COUNT(p.id) FILTER (WHERE p.currency <> t.currency OR a.currency <> t.currency
                               OR a."organizationId" <> t."organizationId"
                               OR p."organizationId" <> t."organizationId")::int AS "foreignPostings"
    FROM "LedgerTransaction" t
    LEFT JOIN "LedgerPosting" p ON p."transactionId" = t.id
    LEFT JOIN "LedgerAccount" a ON a.id = p."accountId"
    WHERE (${org}::uuid IS NULL OR t."organizationId" = ${org}::uuid)
    GROUP BY t.id, t.currency
    HAVING COUNT(p.id) < 2 OR COALESCE(SUM(p.amount), 0) <> 0
        OR COUNT(p.id) FILTER (WHERE p.currency <> t.currency OR a.currency <> t.currency
                               OR a."organizationId" <> t."organizationId"
                               OR p."organizationId" <> t."organizationId") > 0`;
  add(
    'ledger_transaction_balance',
    unbalanced,
    (r) => [r.id],
    (r) =>
      `${r.postings} posting(s) summing to ${r.total} ${r.currency}` +
      (Number(r.foreignPostings) > 0 ? `, ${r.foreignPostings} in another currency or organization` : ''),
  );

  const accounts = await db.$queryRaw<Row[]>`
    SELECT a.id, a.key, trim_scale(a.balance)::text AS balance, COALESCE(trim_scale(SUM(p.amount)), 0)::text AS postings
    FROM "LedgerAccount" a
    LEFT JOIN "LedgerPosting" p ON p."accountId" = a.id
    WHERE (${org}::uuid IS NULL OR a."organizationId" = ${org}::uuid)
    GROUP BY a.id
    HAVING a.balance <> COALESCE(SUM(p.amount), 0) OR (a.kind = 'payee_payable') <> (a."payeeId" IS NOT NULL)`;
  add(
    'ledger_account_balance',
    accounts,
    (r) => [r.id],
    (r) =>
      `account ${r.key}: balance ${r.balance} but postings sum to ${r.postings} (or a payee account without payee)`,
  );

  const payments = await db.$queryRaw<Row[]>`
    WITH scoped AS (
      SELECT w.* FROM "WorkPayment" w WHERE (${org}::uuid IS NULL OR w."organizationId" = ${org}::uuid)
    ), refunds AS (
      SELECT r."workPaymentId", COUNT(*)::int AS succeeded, SUM(r.amount) AS amount FROM "WorkPaymentRefund" r
      WHERE r.status = 'succeeded' AND r."workPaymentId" IN (SELECT id FROM scoped) GROUP BY r."workPaymentId"
    ), posted AS (
      SELECT t."workPaymentId",
             COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'work_payment')::int AS billed,
             COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'work_payment_collected')::int AS collected,
             COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'work_payment_refund')::int AS refunded,
             COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'work_payment_refund_paid')::int AS refunds_paid,
             SUM(p.amount) FILTER (WHERE t.kind = 'work_payment' AND a.kind = 'client_receivable') AS receivable
      FROM "LedgerTransaction" t
      LEFT JOIN "LedgerPosting" p ON p."transactionId" = t.id
      LEFT JOIN "LedgerAccount" a ON a.id = p."accountId"
      WHERE t."workPaymentId" IN (SELECT id FROM scoped)
      GROUP BY t."workPaymentId"
    ), lines AS (
      SELECT s.id, SUM((l->>'amount')::numeric) AS amount
      FROM scoped s CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.allocation, '[]'::jsonb)) l GROUP BY s.id
    )
    SELECT s.id, s.status::text AS status, trim_scale(s.amount)::text AS amount,
           trim_scale(s."amountRefunded")::text AS "amountRefunded",
           COALESCE(trim_scale(l.amount), 0)::text AS lines, COALESCE(trim_scale(r.amount), 0)::text AS refunds,
           COALESCE(p.billed, 0) AS billed, COALESCE(p.collected, 0) AS collected,
           COALESCE(p.refunded, 0) AS refunded, COALESCE(p.refunds_paid, 0) AS "refundsPaid",
           COALESCE(trim_scale(p.receivable), 0)::text AS receivable
    FROM scoped s
    LEFT JOIN refunds r ON r."workPaymentId" = s.id
    LEFT JOIN posted p ON p."workPaymentId" = s.id
    LEFT JOIN lines l ON l.id = s.id
    WHERE CASE WHEN s.status = 'succeeded' THEN
            COALESCE(l.amount, 0) <> s.amount OR COALESCE(p.billed, 0) <> 1 OR COALESCE(p.collected, 0) <> 1
            OR COALESCE(p.receivable, 0) <> s.amount
            OR COALESCE(p.refunded, 0) <> COALESCE(r.succeeded, 0) OR COALESCE(p.refunds_paid, 0) <> COALESCE(r.succeeded, 0)
            OR s."amountRefunded" <> COALESCE(r.amount, 0) OR s."amountRefunded" > s.amount
          ELSE p."workPaymentId" IS NOT NULL OR r."workPaymentId" IS NOT NULL OR s."amountRefunded" <> 0 END`;
  add(
    'work_payment_ledger',
    payments,
    (r) => [r.id],
    (r) =>
      `${r.status} work payment of ${r.amount}: allocation lines ${r.lines}, receivable posted ${r.receivable}, ` +
      `${r.billed} work_payment / ${r.collected} collected / ${r.refunded} refund / ${r.refundsPaid} refund_paid ` +
      `transaction(s); amountRefunded ${r.amountRefunded}, succeeded refunds ${r.refunds}`,
  );

  const payouts = await db.$queryRaw<Row[]>`
    SELECT o.id, o.status::text AS status, trim_scale(o.amount)::text AS amount,
           COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'payout')::int AS made,
           COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'payout_paid')::int AS paid,
           COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'payout_failed')::int AS failed,
           COALESCE(trim_scale(SUM(p.amount) FILTER (WHERE t.kind = 'payout' AND a.kind = 'payee_payable')), 0)::text
             AS debited
    FROM "Payout" o
    LEFT JOIN "LedgerTransaction" t ON t."payoutId" = o.id
    LEFT JOIN "LedgerPosting" p ON p."transactionId" = t.id
    LEFT JOIN "LedgerAccount" a ON a.id = p."accountId"
    WHERE (${org}::uuid IS NULL OR o."organizationId" = ${org}::uuid)
    GROUP BY o.id
    HAVING COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'payout') <> 1
        OR COALESCE(SUM(p.amount) FILTER (WHERE t.kind = 'payout' AND a.kind = 'payee_payable'), 0) <> o.amount
        OR COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'payout_paid') <> CASE WHEN o.status = 'paid' THEN 1 ELSE 0 END
        OR COUNT(DISTINCT t.id) FILTER (WHERE t.kind = 'payout_failed') <> CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END`;
  add(
    'payout_ledger',
    payouts,
    (r) => [r.id],
    (r) =>
      `${r.status} payout of ${r.amount}: payee payable debited ${r.debited}; transactions payout ${r.made}, ` +
      `payout_paid ${r.paid}, payout_failed ${r.failed}`,
  );
  return violations;
}
