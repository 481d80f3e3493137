-- Tenant isolation enforced by Postgres: row-level security on every table, keyed by the organization.
--
-- * The API and the worker connect as `billing_app`, a role that owns nothing (created here if missing; the owner,
--   who runs migrations and the invariant checker, keeps owning every table). Every tenant's transaction sets
--   `app.organization_id` (SET LOCAL / set_config(..., true)); app_current_organization() reads it, NULL when unset.
-- * Every table is ENABLEd and FORCEd: a policy applies to every role but a superuser or a BYPASSRLS role, so a
--   query that names no tenant sees no row and writes none. The owner's tools need a superuser or BYPASSRLS owner.
-- * A table below an organization gets the organization's id as a column of its own (backfilled from its parent), so
--   its policy is one comparison, not a join per row. Inserts fill it from the transaction's tenant (the column
--   default); when no tenant is set (the owner's tools, tests' fixtures), a trigger copies it from the parent row.
-- * Work that spans tenants goes through three SECURITY DEFINER functions that return ids only: the API-key lookup
--   by hash (before the tenant is known), the organization of a row (worker activities are given a row's id), and
--   the reconciliation's work list. docs/architecture.md ("Tenant isolation") lists who uses which.

-- ───────────── the application role ─────────────
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'billing_app') THEN
    -- LOGIN without a password: it can log in only where the server trusts the connection (the local clusters of
    -- `npm start` and `npm test`); anywhere else give it a password (scripts/release.ts does, from APP_DATABASE_URL).
    CREATE ROLE billing_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO billing_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO billing_app;
-- Tables created later by the owner get the same grants (and, to pass the tenant isolation test, a policy).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO billing_app;
-- The migration history: read by /ready, written only by migrations (absent where Prisma replays migrations into a
-- shadow database).
DO $$
BEGIN
  IF to_regclass('"_prisma_migrations"') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE ON "_prisma_migrations" FROM billing_app;
  END IF;
END $$;

-- ───────────── the tenant of the transaction ─────────────
-- '' after a SET LOCAL of an earlier transaction on the same connection has ended: treated as unset.
CREATE FUNCTION app_current_organization() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.organization_id', true), '')::uuid $$;

-- Fills "organizationId" from the parent row when the insert named no tenant. Arguments: pairs of (parent table,
-- column of the new row holding the parent's id), tried in order. Security invoker: under row-level security with no
-- tenant set the parent is invisible, the column stays NULL and the insert fails.
CREATE FUNCTION app_organization_from_parent() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  parent_id uuid;
BEGIN
  FOR i IN 0 .. TG_NARGS / 2 - 1 LOOP
    parent_id := (to_jsonb(NEW) ->> TG_ARGV[2 * i + 1])::uuid;
    IF parent_id IS NOT NULL THEN
      EXECUTE format('SELECT "organizationId" FROM %I WHERE "id" = $1', TG_ARGV[2 * i])
        INTO NEW."organizationId" USING parent_id;
      IF NEW."organizationId" IS NOT NULL THEN
        RETURN NEW;
      END IF;
    END IF;
  END LOOP;
  RETURN NEW;
END $$;

-- ───────────── the tenant column of every table below an organization ─────────────
-- Parents first (Payment before PaymentAttempt, WebhookDelivery before WebhookAttempt, EntityUser before UserSpend,
-- EntitySubscription before SubscriptionChange).
ALTER TABLE "Team" ADD COLUMN "organizationId" UUID;
UPDATE "Team" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "EntityUser" ADD COLUMN "organizationId" UUID;
UPDATE "EntityUser" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "EventPrice" ADD COLUMN "organizationId" UUID;
UPDATE "EventPrice" c SET "organizationId" = p."organizationId" FROM "PriceBook" p WHERE p."id" = c."priceBookId";

ALTER TABLE "CreditGrant" ADD COLUMN "organizationId" UUID;
UPDATE "CreditGrant" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "LedgerEntry" ADD COLUMN "organizationId" UUID;
UPDATE "LedgerEntry" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "MarketplaceEvent" ADD COLUMN "organizationId" UUID;
UPDATE "MarketplaceEvent" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "UsageCounter" ADD COLUMN "organizationId" UUID;
UPDATE "UsageCounter" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "UserSpend" ADD COLUMN "organizationId" UUID;
UPDATE "UserSpend" c SET "organizationId" = p."organizationId" FROM "EntityUser" p WHERE p."id" = c."entityUserId";

ALTER TABLE "EntitySubscription" ADD COLUMN "organizationId" UUID;
UPDATE "EntitySubscription" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "SubscriptionChange" ADD COLUMN "organizationId" UUID;
UPDATE "SubscriptionChange" c SET "organizationId" = p."organizationId"
  FROM "EntitySubscription" p WHERE p."id" = c."subscriptionId";

ALTER TABLE "BillingPeriod" ADD COLUMN "organizationId" UUID;
UPDATE "BillingPeriod" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "InvoiceItem" ADD COLUMN "organizationId" UUID;
UPDATE "InvoiceItem" c SET "organizationId" = p."organizationId" FROM "Entity" p WHERE p."id" = c."entityId";

ALTER TABLE "InvoiceLine" ADD COLUMN "organizationId" UUID;
UPDATE "InvoiceLine" c SET "organizationId" = p."organizationId" FROM "Invoice" p WHERE p."id" = c."invoiceId";

-- A payment names its entity, its invoice or (legacy) its customer.
ALTER TABLE "Payment" ADD COLUMN "organizationId" UUID;
UPDATE "Payment" c SET "organizationId" = COALESCE(
  (SELECT e."organizationId" FROM "Entity" e WHERE e."id" = c."entityId"),
  (SELECT i."organizationId" FROM "Invoice" i WHERE i."id" = c."invoiceId"),
  (SELECT u."organizationId" FROM "Customer" u WHERE u."id" = c."customerId"));

ALTER TABLE "PaymentAttempt" ADD COLUMN "organizationId" UUID;
UPDATE "PaymentAttempt" c SET "organizationId" = p."organizationId" FROM "Payment" p WHERE p."id" = c."paymentId";

ALTER TABLE "WebhookDelivery" ADD COLUMN "organizationId" UUID;
UPDATE "WebhookDelivery" c SET "organizationId" = p."organizationId"
  FROM "WebhookEvent" p WHERE p."id" = c."webhookEventId";

ALTER TABLE "WebhookAttempt" ADD COLUMN "organizationId" UUID;
UPDATE "WebhookAttempt" c SET "organizationId" = p."organizationId"
  FROM "WebhookDelivery" p WHERE p."id" = c."deliveryId";

ALTER TABLE "Contract" ADD COLUMN "organizationId" UUID;
UPDATE "Contract" c SET "organizationId" = p."organizationId" FROM "Customer" p WHERE p."id" = c."customerId";

ALTER TABLE "Credit" ADD COLUMN "organizationId" UUID;
UPDATE "Credit" c SET "organizationId" = p."organizationId" FROM "Customer" p WHERE p."id" = c."customerId";

ALTER TABLE "UsageEvent" ADD COLUMN "organizationId" UUID;
UPDATE "UsageEvent" c SET "organizationId" = p."organizationId" FROM "Customer" p WHERE p."id" = c."customerId";

DO $$
DECLARE
  child record;
BEGIN
  FOR child IN
    SELECT * FROM (VALUES
      ('Team', ARRAY['Entity', 'entityId']),
      ('EntityUser', ARRAY['Entity', 'entityId']),
      ('EventPrice', ARRAY['PriceBook', 'priceBookId']),
      ('CreditGrant', ARRAY['Entity', 'entityId']),
      ('LedgerEntry', ARRAY['Entity', 'entityId']),
      ('MarketplaceEvent', ARRAY['Entity', 'entityId']),
      ('UsageCounter', ARRAY['Entity', 'entityId']),
      ('UserSpend', ARRAY['EntityUser', 'entityUserId']),
      ('EntitySubscription', ARRAY['Entity', 'entityId']),
      ('SubscriptionChange', ARRAY['EntitySubscription', 'subscriptionId']),
      ('BillingPeriod', ARRAY['Entity', 'entityId']),
      ('InvoiceItem', ARRAY['Entity', 'entityId']),
      ('InvoiceLine', ARRAY['Invoice', 'invoiceId']),
      ('Payment', ARRAY['Entity', 'entityId', 'Invoice', 'invoiceId', 'Customer', 'customerId']),
      ('PaymentAttempt', ARRAY['Payment', 'paymentId']),
      ('WebhookDelivery', ARRAY['WebhookEvent', 'webhookEventId']),
      ('WebhookAttempt', ARRAY['WebhookDelivery', 'deliveryId']),
      ('Contract', ARRAY['Customer', 'customerId']),
      ('Credit', ARRAY['Customer', 'customerId']),
      ('UsageEvent', ARRAY['Customer', 'customerId'])
    ) AS t(name, parents)
  LOOP
    EXECUTE format('ALTER TABLE %I ALTER COLUMN "organizationId" SET NOT NULL, '
      'ALTER COLUMN "organizationId" SET DEFAULT app_current_organization()', child.name);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW WHEN (NEW."organizationId" IS NULL) '
      'EXECUTE FUNCTION app_organization_from_parent(%s)', child.name || '_organizationId_from_parent', child.name,
      (SELECT string_agg(quote_literal(p), ', ') FROM unnest(child.parents) p));
  END LOOP;
END $$;

-- ───────────── the policies ─────────────
-- `(SELECT app_current_organization())` is computed once per statement (an InitPlan), not once per row.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organizationId' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnotnull
  LOOP
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING ("organizationId" = (SELECT app_current_organization())) '
      'WITH CHECK ("organizationId" = (SELECT app_current_organization()))', t);
  END LOOP;
END $$;

CREATE POLICY tenant_isolation ON "Organization"
  USING ("id" = (SELECT app_current_organization()))
  WITH CHECK ("id" = (SELECT app_current_organization()));

-- Rows of the bootstrap admin key, which belongs to no organization, have no organizationId: they are the nil
-- organization's (the bootstrap key's tenant, api/auth.ts).
CREATE POLICY tenant_isolation ON "AuditLog"
  USING (COALESCE("organizationId", '00000000-0000-0000-0000-000000000000') = (SELECT app_current_organization()))
  WITH CHECK (COALESCE("organizationId", '00000000-0000-0000-0000-000000000000') = (SELECT app_current_organization()));
CREATE POLICY tenant_isolation ON "IdempotencyRecord"
  USING (COALESCE("organizationId", '00000000-0000-0000-0000-000000000000') = (SELECT app_current_organization()))
  WITH CHECK (COALESCE("organizationId", '00000000-0000-0000-0000-000000000000') = (SELECT app_current_organization()));

-- A User row is the identity memberships and events name, shared by the organizations that knew the same person
-- before per-organization records existed; it holds nothing an organization said. An organization sees the users it
-- has a record of (OrganizationUser, itself under its policy) and, as a tenant, may add new, empty ones. The API
-- inserts them without RETURNING: a new user is nobody's until its OrganizationUser row is written.
CREATE POLICY tenant_isolation ON "User" FOR SELECT
  USING (EXISTS (SELECT 1 FROM "OrganizationUser" ou WHERE ou."userId" = "User"."id"));
CREATE POLICY tenant_update ON "User" FOR UPDATE
  USING (EXISTS (SELECT 1 FROM "OrganizationUser" ou WHERE ou."userId" = "User"."id"));
CREATE POLICY tenant_insert ON "User" FOR INSERT
  WITH CHECK ("email" IS NULL AND "name" IS NULL AND (SELECT app_current_organization()) IS NOT NULL);

-- ───────────── the narrow bypasses (SECURITY DEFINER, owner's rights, ids only) ─────────────
-- row_security = off: with an owner that is neither superuser nor BYPASSRLS these fail loudly instead of finding
-- nothing.

-- Authentication: the one lookup made before the caller's organization is known.
CREATE FUNCTION app_api_key_by_hash(key_hash text)
  RETURNS TABLE ("id" uuid, "organizationId" uuid, "scopes" text[], "expiresAt" timestamptz, "revokedAt" timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET row_security = off
  AS $$
    SELECT k."id", k."organizationId", k."scopes", k."expiresAt", k."revokedAt" FROM "ApiKey" k WHERE k."hash" = key_hash
  $$;

-- The organization a row belongs to: worker activities are given an entity's, an invoice's, ... id and set its
-- organization as their tenant before reading anything. NULL for an unknown id.
CREATE FUNCTION app_organization_of(kind text, row_id uuid) RETURNS uuid
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
    ELSE NULL
  END;
END $$;

-- The reconciliation schedule's work list across every organization: what should have a workflow (or, for outbox
-- rows, its deliveries), as (kind, id, organization, entity). The work itself runs in each row's organization.
CREATE FUNCTION app_reconciliation_work(per_kind integer, outbox_before timestamptz)
  RETURNS TABLE ("kind" text, "id" uuid, "organizationId" uuid, "entityId" uuid)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET row_security = off
  AS $$
    (SELECT 'entity', e."id", e."organizationId", e."id" FROM "Entity" e
      WHERE e."deletedAt" IS NULL ORDER BY e."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'subscription', s."id", s."organizationId", s."entityId" FROM "EntitySubscription" s
      WHERE s."status" <> 'canceled' ORDER BY s."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'credit_grant', g."id", g."organizationId", g."entityId" FROM "CreditGrant" g
      WHERE g."expiresAt" IS NOT NULL AND g."expiredAt" IS NULL AND g."remaining" > 0 ORDER BY g."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'invoice', i."id", i."organizationId", i."entityId" FROM "Invoice" i
      WHERE i."status" = 'open' AND i."entityId" IS NOT NULL AND i."amountDue" > 0 AND i."number" IS NOT NULL
      ORDER BY i."id" LIMIT per_kind)
    UNION ALL
    (SELECT 'webhook_event', w."id", w."organizationId", w."entityId" FROM "WebhookEvent" w
      WHERE w."dispatchedAt" IS NULL AND w."createdAt" < outbox_before ORDER BY w."createdAt" LIMIT per_kind)
  $$;

REVOKE ALL ON FUNCTION app_api_key_by_hash(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_organization_of(text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_reconciliation_work(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_api_key_by_hash(text) TO billing_app;
GRANT EXECUTE ON FUNCTION app_organization_of(text, uuid) TO billing_app;
GRANT EXECUTE ON FUNCTION app_reconciliation_work(integer, timestamptz) TO billing_app;
