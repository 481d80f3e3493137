-- Row-level security for the tables and the work that came with payments, refunds, disputes, test clocks and
-- retention (the rules are those of *_row_level_security, which ENABLEd and FORCEd every table and gave a policy to
-- every table that already had its organization's id):
-- * PaymentCustomer, ArchivedUsage and ArchivedDraw get "organizationId" (backfilled from their parent, filled from
--   the transaction's tenant or by the trigger from the parent) and the tenant_isolation policy.
-- * ProviderEvent (a payment provider's webhook, which arrives with no tenant) is the organization's whose payment it
--   is about, or, for an event about nothing the platform knows, nobody's: the nil organization's, like the bootstrap
--   key's audit rows.
-- * The SECURITY DEFINER lookups learn the new kinds of row (refund, payment, dispute, test clock), the
--   reconciliation's work list the stalled refunds and each invoice's dunning days, and two new ones: the
--   organizations of a retention run and the organization a provider event is about. Ids only, as before.

-- ───────────── the tenant column ─────────────
ALTER TABLE "PaymentCustomer" ADD COLUMN "organizationId" UUID;
UPDATE "PaymentCustomer" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "ArchivedUsage" ADD COLUMN "organizationId" UUID;
UPDATE "ArchivedUsage" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "ArchivedDraw" ADD COLUMN "organizationId" UUID;
UPDATE "ArchivedDraw" c SET "organizationId" = p."organizationId"
  FROM "LedgerEntry" p WHERE p."id" = c."ledgerEntryId";

DO $$
DECLARE
  child record;
BEGIN
  FOR child IN
    SELECT * FROM (VALUES
      ('PaymentCustomer', ARRAY['Entity', 'entityId']),
      ('ArchivedUsage', ARRAY['Entity', 'entityId']),
      ('ArchivedDraw', ARRAY['LedgerEntry', 'ledgerEntryId'])
    ) AS t(name, parents)
  LOOP
    EXECUTE format('ALTER TABLE %I ALTER COLUMN "organizationId" SET NOT NULL, '
      'ALTER COLUMN "organizationId" SET DEFAULT app_current_organization()', child.name);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW WHEN (NEW."organizationId" IS NULL) '
      'EXECUTE FUNCTION app_organization_from_parent(%s)', child.name || '_organizationId_from_parent', child.name,
      (SELECT string_agg(quote_literal(p), ', ') FROM unnest(child.parents) p));
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', child.name);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', child.name);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING ("organizationId" = (SELECT app_current_organization())) '
      'WITH CHECK ("organizationId" = (SELECT app_current_organization()))', child.name);
  END LOOP;
END $$;

-- Rows written before this migration are nobody's (the platform's): which payment they were about was not kept.
ALTER TABLE "ProviderEvent" ADD COLUMN "organizationId" UUID DEFAULT app_current_organization();
ALTER TABLE "ProviderEvent" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ProviderEvent" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "ProviderEvent"
  USING (COALESCE("organizationId", '00000000-0000-0000-0000-000000000000') = (SELECT app_current_organization()))
  WITH CHECK (COALESCE("organizationId", '00000000-0000-0000-0000-000000000000') = (SELECT app_current_organization()));
-- The tenant is the platform (nil) when the event is about nothing known: stored as NULL, as for audit rows.
CREATE FUNCTION app_platform_row_is_null() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW."organizationId" = '00000000-0000-0000-0000-000000000000' THEN
    NEW."organizationId" := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "ProviderEvent_platform_is_null" BEFORE INSERT ON "ProviderEvent" FOR EACH ROW
  EXECUTE FUNCTION app_platform_row_is_null();

-- ───────────── the narrow bypasses ─────────────
CREATE OR REPLACE FUNCTION app_organization_of(kind text, row_id uuid) RETURNS uuid
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET row_security = off
  AS $$
BEGIN
  RETURN CASE kind
    WHEN 'organization' THEN (SELECT "id" FROM "Organization" WHERE "id" = row_id)
    WHEN 'entity' THEN (SELECT "organizationId" FROM "Entity" WHERE "id" = row_id)
    WHEN 'billing_period' THEN (SELECT "organizationId" FROM "BillingPeriod" WHERE "id" = row_id)
    WHEN 'invoice' THEN (SELECT "organizationId" FROM "Invoice" WHERE "id" = row_id)
    WHEN 'subscription' THEN (SELECT "organizationId" FROM "EntitySubscription" WHERE "id" = row_id)
    WHEN 'credit_grant' THEN (SELECT "organizationId" FROM "CreditGrant" WHERE "id" = row_id)
    WHEN 'webhook_event' THEN (SELECT "organizationId" FROM "WebhookEvent" WHERE "id" = row_id)
    WHEN 'webhook_delivery' THEN (SELECT "organizationId" FROM "WebhookDelivery" WHERE "id" = row_id)
    WHEN 'billing_job' THEN (SELECT "organizationId" FROM "BillingJob" WHERE "id" = row_id)
    WHEN 'payment' THEN (SELECT "organizationId" FROM "Payment" WHERE "id" = row_id)
    WHEN 'refund' THEN (SELECT "organizationId" FROM "Refund" WHERE "id" = row_id)
    WHEN 'dispute' THEN (SELECT "organizationId" FROM "Dispute" WHERE "id" = row_id)
    WHEN 'test_clock' THEN (SELECT "organizationId" FROM "TestClock" WHERE "id" = row_id)
    ELSE NULL
  END;
END $$;

-- The reconciliation's work list, now with the refunds left pending (their first run died or timed out) and each
-- invoice's organization's dunning days (the collection's schedule).
DROP FUNCTION app_reconciliation_work(integer, timestamptz);
CREATE FUNCTION app_reconciliation_work(per_kind integer, outbox_before timestamptz, refund_before timestamptz)
  RETURNS TABLE ("kind" text, "id" uuid, "organizationId" uuid, "entityId" uuid, "dunningDays" integer[])
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET row_security = off
  AS $$
    (SELECT 'entity', e."id", e."organizationId", e."id", NULL::integer[] FROM "Entity" e
      WHERE e."deletedAt" IS NULL ORDER BY e."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'subscription', s."id", s."organizationId", s."entityId", NULL FROM "EntitySubscription" s
      WHERE s."status" <> 'canceled' ORDER BY s."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'credit_grant', g."id", g."organizationId", g."entityId", NULL FROM "CreditGrant" g
      WHERE g."expiresAt" IS NOT NULL AND g."expiredAt" IS NULL AND g."remaining" > 0 ORDER BY g."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'invoice', i."id", i."organizationId", i."entityId", o."dunningDays" FROM "Invoice" i
      JOIN "Organization" o ON o."id" = i."organizationId"
      WHERE i."status" = 'open' AND i."entityId" IS NOT NULL AND i."amountDue" > 0 AND i."number" IS NOT NULL
      ORDER BY i."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'refund', r."id", r."organizationId", r."entityId", NULL FROM "Refund" r
      WHERE r."status" = 'pending' AND r."createdAt" < refund_before
        AND NOT EXISTS (SELECT 1 FROM "CreditNote" n WHERE n."refundId" = r."id")
      ORDER BY r."createdAt" LIMIT LEAST(per_kind, 100))
    UNION ALL
    (SELECT 'webhook_event', w."id", w."organizationId", w."entityId", NULL FROM "WebhookEvent" w
      WHERE w."dispatchedAt" IS NULL AND w."createdAt" < outbox_before ORDER BY w."createdAt" LIMIT per_kind)
  $$;

-- The retention schedule's pages of organizations (each is then archived and purged as itself).
CREATE FUNCTION app_retention_organizations(after_id uuid, page integer, only_ids uuid[])
  RETURNS TABLE ("id" uuid)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET row_security = off
  AS $$
    SELECT o."id" FROM "Organization" o
    WHERE (after_id IS NULL OR o."id" > after_id) AND (only_ids IS NULL OR o."id" = ANY (only_ids))
    ORDER BY o."id" LIMIT page
  $$;

-- The organization a payment provider's event is about: the payment, attempt, refund or dispute the provider knows by
-- one of `refs` (its own ids: payment intent, charge, refund, dispute), else the invoice the charge was sent for
-- (metadata). NULL when none is known: the event is then recorded as the platform's and changes nothing.
CREATE FUNCTION app_provider_event_organization(provider_name text, refs text[], invoice_id uuid) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET row_security = off
  AS $$
    SELECT COALESCE(
      (SELECT p."organizationId" FROM "Payment" p
        WHERE p."provider" = provider_name AND p."providerRef" = ANY (refs) LIMIT 1),
      (SELECT a."organizationId" FROM "PaymentAttempt" a JOIN "Payment" p ON p."id" = a."paymentId"
        WHERE p."provider" = provider_name AND a."providerRef" = ANY (refs) LIMIT 1),
      (SELECT r."organizationId" FROM "Refund" r WHERE r."providerRef" = ANY (refs) LIMIT 1),
      (SELECT d."organizationId" FROM "Dispute" d
        WHERE d."provider" = provider_name AND d."providerRef" = ANY (refs) LIMIT 1),
      (SELECT i."organizationId" FROM "Invoice" i WHERE i."id" = invoice_id))
  $$;

REVOKE ALL ON FUNCTION app_reconciliation_work(integer, timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_retention_organizations(uuid, integer, uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_provider_event_organization(text, text[], uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_reconciliation_work(integer, timestamptz, timestamptz) TO billing_app;
GRANT EXECUTE ON FUNCTION app_retention_organizations(uuid, integer, uuid[]) TO billing_app;
GRANT EXECUTE ON FUNCTION app_provider_event_organization(text, text[], uuid) TO billing_app;
