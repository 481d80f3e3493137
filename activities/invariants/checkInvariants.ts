// The money invariants of the platform, checked against a whole database (or one organization) in a few set-based
// queries. Used by `npm run invariants`, by tests after concurrency and crash scenarios, and by the fault-injection
// run. Each violation names its rule and the ids involved, so it can be investigated row by row.
//
// Rules
//   grant_balance          for every grant: sum of its ledger entries = remaining, and remaining >= 0
//   grant_origin           every grant has exactly one creating entry (grant | transfer_in) equal to its original
//   event_references       every event names an existing entity and user, and the user is (or was) a member of it:
//                          MarketplaceEvent has no foreign keys (see prisma/schema.prisma); an event whose entity is
//                          gone cannot be attributed to an organization, so only an unscoped check finds that one
//   event_accounting       accepted: rated = drawn + billed later; its draws sum to drawn; exactly one usage invoice
//                          item of the billed-later amount when > 0, none otherwise. rejected: none of those
//   ledger_cause           every consume entry is minus the sum of the accepted events' draws that name it, archived
//                          events' included (and every draw names a consume entry of its grant); expire entries belong to an expired
//                          grant; every entry has its grant; transfers out and in cancel out within each organization
//   one_invoice_per_period at most one period invoice per entity and period start, and no two overlapping periods
//                          (one-off invoices of charge_now changes lie inside a period and are not counted)
//   one_off_invoice        every one-off invoice is the invoice of one subscription change (its idempotencyKey names
//                          an existing change) and bills exactly that change's net proration
//   invoice_totals         an issued invoice's total equals the sum of its lines
//   invoice_numbering      numbers per organization are exactly 1..N, and the organization's next number is N+1
//   outbox_delivered       every outbox row older than the grace period was dispatched, with a delivery for every
//                          subscribed endpoint that existed when the row was written
//   period_tiling, event_period, usage_counters, event_invoiced, archived_usage: billing periods and what they bill, see
//                          periodInvariants.ts
//   invoice_payment, payment_attempts, payment_refunds, refund_credit_note, credit_note_numbering, payment_disputes:
//                          payments, refunds, credit notes and disputes, see paymentInvariants.ts
//   tenant_column          every row's organizationId is its parent's (row-level security), see tenantInvariants.ts
//   ledger_transaction_balance, ledger_account_balance, work_payment_ledger, payout_ledger: the marketplace's
//                          double-entry ledger (every transaction balances, every account and payee balance is the sum
//                          of its postings, work payments and payouts posted exactly theirs), see
//                          marketplaceLedgerInvariants.ts
//
// It reads every organization's rows, so it runs as the tables' owner (a superuser or BYPASSRLS role): as the
// application role, row-level security would show it nothing and it would report nothing. It refuses to.
import { assertSeesEveryTenant } from '../databaseRoles.js';
import type { Db } from '../db.js';
import { checkMarketplaceLedgerInvariants, type MarketplaceLedgerViolation } from './marketplaceLedgerInvariants.js';
import { checkPaymentInvariants, type PaymentViolation } from './paymentInvariants.js';
import { checkPeriodInvariants } from './periodInvariants.js';
import { checkTenantInvariants } from './tenantInvariants.js';

export type InvariantRule =
  | 'grant_balance'
  | 'grant_origin'
  | 'event_references'
  | 'event_accounting'
  | 'ledger_cause'
  | 'one_invoice_per_period'
  | 'one_off_invoice'
  | 'invoice_totals'
  | 'invoice_numbering'
  | 'outbox_delivered'
  | 'period_tiling'
  | 'event_period'
  | 'usage_counters'
  | 'event_invoiced'
  | 'archived_usage'
  | 'tenant_column'
  | PaymentViolation['rule']
  | MarketplaceLedgerViolation['rule'];

export interface InvariantViolation {
  rule: InvariantRule;
  ids: string[];
  detail: string;
}

export interface InvariantReport {
  checkedAt: string;
  violations: InvariantViolation[];
}

export interface InvariantOptions {
  /** Only this organization's rows. */
  organizationId?: string;
  /** Outbox rows younger than this may still be on their way to delivery. Default 300 s. */
  outboxGraceSeconds?: number;
  now?: Date;
}

type Row = Record<string, unknown>;

export async function checkInvariants(db: Db, opts: InvariantOptions = {}): Promise<InvariantReport> {
  await assertSeesEveryTenant(db);
  const org = opts.organizationId ?? null;
  const now = opts.now ?? new Date();
  const graceCutoff = new Date(now.getTime() - (opts.outboxGraceSeconds ?? 300) * 1000);
  const violations: InvariantViolation[] = [];
  const add = (rule: InvariantRule, rows: Row[], ids: (r: Row) => unknown[], detail: (r: Row) => string) => {
    for (const r of rows) violations.push({ rule, ids: ids(r).map(String), detail: detail(r) });
  };

  // Entities in scope: a CTE reused by every query keeps the organization filter in one place.
  const grantBalance = await db.$queryRaw<Row[]>`
    SELECT g.id, g.remaining::text AS remaining, COALESCE(SUM(l.amount), 0)::text AS ledger
    FROM "CreditGrant" g
    JOIN "Entity" e ON e.id = g."entityId"
    LEFT JOIN "LedgerEntry" l ON l."grantId" = g.id
    WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    GROUP BY g.id, g.remaining
    HAVING g.remaining <> COALESCE(SUM(l.amount), 0) OR g.remaining < 0`;
  add(
    'grant_balance',
    grantBalance,
    (r) => [r.id],
    (r) => `remaining ${r.remaining} but ledger entries sum to ${r.ledger}`,
  );

  const grantOrigin = await db.$queryRaw<Row[]>`
    SELECT g.id, g.original::text AS original, COUNT(l.id)::int AS creating, COALESCE(SUM(l.amount), 0)::text AS amount
    FROM "CreditGrant" g
    JOIN "Entity" e ON e.id = g."entityId"
    LEFT JOIN "LedgerEntry" l ON l."grantId" = g.id AND l.kind IN ('grant', 'transfer_in')
    WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    GROUP BY g.id, g.original
    HAVING COUNT(l.id) <> 1 OR COALESCE(SUM(l.amount), 0) <> g.original`;
  add(
    'grant_origin',
    grantOrigin,
    (r) => [r.id],
    (r) => `original ${r.original} but ${r.creating} creating entries summing to ${r.amount}`,
  );

  const unreferenced = await db.$queryRaw<Row[]>`
    SELECT ev.id, CASE WHEN e.id IS NULL THEN 'entity' WHEN u.id IS NULL THEN 'user' ELSE 'membership' END AS missing
    FROM "MarketplaceEvent" ev
    LEFT JOIN "Entity" e ON e.id = ev."entityId"
    LEFT JOIN "User" u ON u.id = ev."userId"
    WHERE (e.id IS NULL OR u.id IS NULL OR NOT EXISTS (
             SELECT 1 FROM "EntityUser" m WHERE m."entityId" = ev."entityId" AND m."userId" = ev."userId"))
      AND (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)`;
  add(
    'event_references',
    unreferenced,
    (r) => [r.id],
    (r) => `the event's ${r.missing} does not exist`,
  );

  const events = await db.$queryRaw<Row[]>`
    WITH scoped AS (
      SELECT ev.* FROM "MarketplaceEvent" ev JOIN "Entity" e ON e.id = ev."entityId"
      WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    ), consumed AS (
      SELECT s.id AS "eventId", -SUM((d->>'amount')::numeric) AS amount
      FROM scoped s CROSS JOIN LATERAL jsonb_array_elements(s.draws) d GROUP BY s.id
    ), billed AS (
      SELECT i."eventId", COUNT(*)::int AS items, SUM(i.amount) AS amount FROM "InvoiceItem" i
      WHERE i.kind = 'usage' AND i."eventId" IN (SELECT id FROM scoped) GROUP BY i."eventId"
    )
    SELECT s.id, s.status::text AS status, s."ratedAmount"::text AS rated, s."creditsDrawn"::text AS drawn,
           s."billedLater"::text AS "billedLater", COALESCE(c.amount, 0)::text AS consumed,
           COALESCE(b.items, 0) AS items, COALESCE(b.amount, 0)::text AS billed
    FROM scoped s LEFT JOIN consumed c ON c."eventId" = s.id LEFT JOIN billed b ON b."eventId" = s.id
    WHERE CASE WHEN s.status = 'accepted' THEN
            s."ratedAmount" <> s."creditsDrawn" + s."billedLater"
            OR COALESCE(c.amount, 0) <> -s."creditsDrawn"
            OR (s."billedLater" > 0 AND (COALESCE(b.items, 0) <> 1 OR b.amount <> s."billedLater"))
            OR (s."billedLater" = 0 AND COALESCE(b.items, 0) <> 0)
          ELSE c.amount IS NOT NULL OR b.items IS NOT NULL OR s."creditsDrawn" <> 0 OR s."billedLater" <> 0 END`;
  add(
    'event_accounting',
    events,
    (r) => [r.id],
    (r) =>
      `${r.status} event: rated ${r.rated}, drawn ${r.drawn}, billed later ${r.billedLater}; ` +
      `draws ${r.consumed}, usage items ${r.items} of ${r.billed}`,
  );

  const orphanEntries = await db.$queryRaw<Row[]>`
    SELECT l.id, l.kind::text AS kind FROM "LedgerEntry" l
    JOIN "Entity" e ON e.id = l."entityId"
    LEFT JOIN "CreditGrant" g ON g.id = l."grantId"
    WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
      AND ((l."grantId" IS NULL AND l.kind <> 'adjust')
        OR (l.kind = 'expire' AND g."expiredAt" IS NULL))
    UNION ALL
    -- Consume entries against the draws that name them, from either side: an entry nobody's draws name, or whose
    -- amount is not minus their sum, or named by a rejected event or from another grant; a draw naming no entry.
    SELECT coalesce(l.id, r."ledgerEntryId") AS id, 'consume' AS kind
    FROM (
      SELECT l.* FROM "LedgerEntry" l JOIN "Entity" e ON e.id = l."entityId"
      WHERE l.kind = 'consume' AND (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    ) l
    FULL JOIN (
      -- The draws of live events and the archived events' share (ArchivedDraw: accepted events only).
      SELECT x."ledgerEntryId", SUM(x.amount) AS amount, bool_and(x.accepted) AS accepted,
             array_agg(DISTINCT x."grantId") AS grants
      FROM (
        SELECT (d->>'ledgerEntryId')::uuid AS "ledgerEntryId", (d->>'amount')::numeric AS amount,
               ev.status = 'accepted' AS accepted, d->>'grantId' AS "grantId"
        FROM "MarketplaceEvent" ev JOIN "Entity" e ON e.id = ev."entityId"
        CROSS JOIN LATERAL jsonb_array_elements(ev.draws) d
        WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
        UNION ALL
        SELECT a."ledgerEntryId", a.amount, true, a."grantId"::text
        FROM "ArchivedDraw" a JOIN "LedgerEntry" al ON al.id = a."ledgerEntryId" JOIN "Entity" e ON e.id = al."entityId"
        WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
      ) x
      GROUP BY 1
    ) r ON r."ledgerEntryId" = l.id
    WHERE l.id IS NULL OR r."ledgerEntryId" IS NULL OR r.amount <> -l.amount OR NOT r.accepted
       OR r.grants <> ARRAY[l."grantId"::text]`;
  add(
    'ledger_cause',
    orphanEntries,
    (r) => [r.id],
    (r) => `${r.kind} entry without its cause`,
  );
  const transfers = await db.$queryRaw<Row[]>`
    SELECT e."organizationId" AS id, SUM(l.amount)::text AS net FROM "LedgerEntry" l
    JOIN "Entity" e ON e.id = l."entityId"
    WHERE l.kind IN ('transfer_out', 'transfer_in') AND (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    GROUP BY e."organizationId" HAVING SUM(l.amount) <> 0`;
  add(
    'ledger_cause',
    transfers,
    (r) => [r.id],
    (r) => `transfers in and out of the organization's entities net to ${r.net}, not 0`,
  );

  const duplicateInvoices = await db.$queryRaw<Row[]>`
    SELECT array_agg(a.id::text) AS ids FROM "Invoice" a
    JOIN "Invoice" b ON a."entityId" = b."entityId" AND a.id <> b.id AND a.status <> 'void' AND b.status <> 'void'
      AND a."periodStart" < b."periodEnd" AND b."periodStart" < a."periodEnd" AND b.kind = 'period'
    WHERE a."entityId" IS NOT NULL AND a.kind = 'period' AND (${org}::uuid IS NULL OR a."organizationId" = ${org}::uuid)
    GROUP BY a."entityId", LEAST(a.id, b.id), GREATEST(a.id, b.id)`;
  const seenPairs = new Set<string>();
  for (const r of duplicateInvoices) {
    const ids = [...new Set(r.ids as string[])].sort();
    if (seenPairs.has(ids.join())) continue;
    seenPairs.add(ids.join());
    violations.push({ rule: 'one_invoice_per_period', ids, detail: 'invoices of one entity with overlapping periods' });
  }

  const oneOff = await db.$queryRaw<Row[]>`
    SELECT i.id, i.total::text AS total, c.proration::text AS proration FROM "Invoice" i
    LEFT JOIN "SubscriptionChange" c
      ON i."idempotencyKey" = 'change:' || c."subscriptionId"::text || ':' || c."changeId"
    WHERE i.kind = 'one_off' AND i.status <> 'void' AND (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid)
      AND (c.id IS NULL OR c.proration <> i.total)`;
  add(
    'one_off_invoice',
    oneOff,
    (r) => [r.id],
    (r) =>
      r.proration === null
        ? 'a one-off invoice without the subscription change it bills'
        : `a one-off invoice of total ${r.total} for a change whose proration is ${r.proration}`,
  );

  const totals = await db.$queryRaw<Row[]>`
    SELECT i.id, i.total::text AS total, COALESCE(SUM(l.amount), 0)::text AS lines FROM "Invoice" i
    LEFT JOIN "InvoiceLine" l ON l."invoiceId" = i.id
    WHERE i.status <> 'draft' AND (${org}::uuid IS NULL OR i."organizationId" = ${org}::uuid)
    GROUP BY i.id, i.total HAVING i.total <> COALESCE(SUM(l.amount), 0)`;
  add(
    'invoice_totals',
    totals,
    (r) => [r.id],
    (r) => `total ${r.total} but lines sum to ${r.lines}`,
  );

  const numbering = await db.$queryRaw<Row[]>`
    SELECT o.id, o."nextInvoiceNumber" AS next, COUNT(i.number)::int AS numbered,
           COUNT(DISTINCT i.number)::int AS distinct_numbers, COALESCE(MAX(i.number), 0) AS max
    FROM "Organization" o LEFT JOIN "Invoice" i ON i."organizationId" = o.id AND i.number IS NOT NULL
    WHERE (${org}::uuid IS NULL OR o.id = ${org}::uuid)
    GROUP BY o.id, o."nextInvoiceNumber"
    HAVING COUNT(i.number) <> COUNT(DISTINCT i.number) OR COALESCE(MAX(i.number), 0) <> COUNT(i.number)
        OR COALESCE(MIN(i.number), 1) <> 1 OR o."nextInvoiceNumber" <> COUNT(i.number) + 1`;
  add(
    'invoice_numbering',
    numbering,
    (r) => [r.id],
    (r) =>
      `${r.numbered} numbered invoices (${r.distinct_numbers} distinct, highest ${r.max}), next number ${r.next}: ` +
      'numbers must be exactly 1..N',
  );

  const outbox = await db.$queryRaw<Row[]>`
    SELECT w.id, w.type, (w."dispatchedAt" IS NULL) AS undispatched,
           array_remove(array_agg(ep.id::text) FILTER (WHERE d.id IS NULL), NULL) AS missing
    FROM "WebhookEvent" w
    LEFT JOIN "WebhookEndpoint" ep ON ep."organizationId" = w."organizationId" AND ep."createdAt" <= w."createdAt"
      AND ep."deletedAt" IS NULL AND ep.enabled AND (cardinality(ep."eventTypes") = 0 OR w.type = ANY(ep."eventTypes"))
    LEFT JOIN "WebhookDelivery" d ON d."webhookEventId" = w.id AND d."endpointId" = ep.id
    WHERE w."createdAt" < ${graceCutoff} AND (${org}::uuid IS NULL OR w."organizationId" = ${org}::uuid)
    GROUP BY w.id, w.type, w."dispatchedAt"
    HAVING w."dispatchedAt" IS NULL OR COUNT(ep.id) FILTER (WHERE d.id IS NULL) > 0`;
  add(
    'outbox_delivered',
    outbox,
    (r) => [r.id, ...((r.missing as string[]) ?? [])],
    (r) =>
      r.undispatched
        ? `${r.type} outbox row never dispatched`
        : `${r.type} outbox row has no delivery for endpoint(s) ${(r.missing as string[]).join(', ')}`,
  );

  violations.push(...(await checkPeriodInvariants(db, org)));
  violations.push(...(await checkPaymentInvariants(db, org)));
  violations.push(...(await checkTenantInvariants(db, org)));
  violations.push(...(await checkMarketplaceLedgerInvariants(db, org)));
  return { checkedAt: now.toISOString(), violations };
}
