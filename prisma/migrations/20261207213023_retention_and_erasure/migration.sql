-- Data retention and erasure (activities/retention/, README "Data retention and erasure").
--
-- - RetentionPolicy: an organization's retention periods (none: the defaults of domain/retentionPolicy.ts).
-- - RetentionArchive: the archive index, one row per archive file (organization, table, UTC day).
-- - ArchivedUsage / ArchivedDraw: what archived events leave behind for the invariants and analytics.
-- - BillingPeriod.eventsArchivedAt: metering refuses events of a period whose events were archived.
-- - OrganizationUser.erasedAt: the person was erased; email and name are pseudonyms.
-- - LedgerEntry.eventId and InvoiceItem.eventId lose their foreign keys (which were ON DELETE SET NULL: deleting an
--   event would have rewritten ledger entries). Ledger entries and invoice items are never deleted; the events they
--   name may be archived. Nothing is backfilled: every new column is nullable or has a default.
-- - pseudonymise_jsonb(): the erasure's rewrite of JSON documents (audit rows, webhook payloads, stored responses,
--   event properties, archive lines), in SQL so that numbers inside the documents keep their exact digits.

-- DropForeignKey
ALTER TABLE "InvoiceItem" DROP CONSTRAINT "InvoiceItem_eventId_fkey";

-- DropForeignKey
ALTER TABLE "LedgerEntry" DROP CONSTRAINT "LedgerEntry_eventId_fkey";

-- AlterTable
ALTER TABLE "BillingPeriod" ADD COLUMN     "eventsArchivedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "OrganizationUser" ADD COLUMN     "erasedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "RetentionPolicy" (
    "organizationId" UUID NOT NULL,
    "rawEventDays" INTEGER NOT NULL,
    "webhookPayloadDays" INTEGER NOT NULL,
    "webhookAttemptDays" INTEGER NOT NULL,
    "idempotencyRecordDays" INTEGER NOT NULL,
    "auditLogDays" INTEGER NOT NULL,
    "financialRecordDays" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RetentionPolicy_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "RetentionArchive" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "tableName" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "file" TEXT NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "purgeFromLine" INTEGER NOT NULL DEFAULT 0,
    "purgePending" BOOLEAN NOT NULL DEFAULT false,
    "replacing" BOOLEAN NOT NULL DEFAULT false,
    "userIds" UUID[] DEFAULT ARRAY[]::UUID[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RetentionArchive_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArchivedUsage" (
    "entityId" UUID NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "billedPeriodStart" TIMESTAMPTZ(3) NOT NULL,
    "eventType" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "events" INTEGER NOT NULL,
    "quantity" DECIMAL(20,6) NOT NULL,
    "ratedAmount" DECIMAL(20,6) NOT NULL,
    "creditsDrawn" DECIMAL(20,6) NOT NULL,
    "billedLater" DECIMAL(20,6) NOT NULL,
    "firstOccurredAt" TIMESTAMPTZ(3) NOT NULL,
    "lastOccurredAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ArchivedUsage_pkey" PRIMARY KEY ("entityId","periodStart","billedPeriodStart","eventType","userId","day")
);

-- CreateTable
CREATE TABLE "ArchivedDraw" (
    "ledgerEntryId" UUID NOT NULL,
    "grantId" UUID NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "events" INTEGER NOT NULL,

    CONSTRAINT "ArchivedDraw_pkey" PRIMARY KEY ("ledgerEntryId")
);

-- CreateIndex
CREATE INDEX "RetentionArchive_userIds_idx" ON "RetentionArchive" USING GIN ("userIds");

-- CreateIndex
CREATE UNIQUE INDEX "RetentionArchive_organizationId_tableName_day_key" ON "RetentionArchive"("organizationId", "tableName", "day");

-- CreateIndex
CREATE INDEX "ArchivedUsage_entityId_day_idx" ON "ArchivedUsage"("entityId", "day");

-- AddForeignKey
ALTER TABLE "RetentionPolicy" ADD CONSTRAINT "RetentionPolicy_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RetentionArchive" ADD CONSTRAINT "RetentionArchive_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArchivedUsage" ADD CONSTRAINT "ArchivedUsage_entityId_fkey" FOREIGN KEY ("entityId") REFERENCES "Entity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArchivedDraw" ADD CONSTRAINT "ArchivedDraw_ledgerEntryId_fkey" FOREIGN KEY ("ledgerEntryId") REFERENCES "LedgerEntry"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Every string (and object key) of `doc` that contains the email (case-insensitively) has the email replaced by
-- `pseudo_email`; every string equal to the name (case-insensitively, ignoring surrounding spaces) becomes
-- `pseudo_name`. Numbers, booleans and structure are untouched.
CREATE FUNCTION pseudonymise_jsonb(doc jsonb, email text, name text, pseudo_email text, pseudo_name text)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  pattern text := '(?i)' || regexp_replace(coalesce(email, ''), '([^[:alnum:]])', '\\\1', 'g');
  result jsonb;
BEGIN
  CASE jsonb_typeof(doc)
    WHEN 'string' THEN
      IF name IS NOT NULL AND name <> '' AND lower(btrim(doc #>> '{}')) = lower(btrim(name)) THEN
        RETURN to_jsonb(pseudo_name);
      ELSIF email IS NOT NULL AND email <> '' AND position(lower(email) IN lower(doc #>> '{}')) > 0 THEN
        RETURN to_jsonb(regexp_replace(doc #>> '{}', pattern, pseudo_email, 'g'));
      END IF;
      RETURN doc;
    WHEN 'object' THEN
      SELECT coalesce(jsonb_object_agg(
               pseudonymise_jsonb(to_jsonb(k), email, name, pseudo_email, pseudo_name) #>> '{}',
               pseudonymise_jsonb(v, email, name, pseudo_email, pseudo_name)), '{}'::jsonb)
        INTO result FROM jsonb_each(doc) AS e(k, v);
      RETURN result;
    WHEN 'array' THEN
      SELECT coalesce(jsonb_agg(pseudonymise_jsonb(v, email, name, pseudo_email, pseudo_name) ORDER BY n), '[]'::jsonb)
        INTO result FROM jsonb_array_elements(doc) WITH ORDINALITY AS a(v, n);
      RETURN result;
    ELSE
      RETURN doc;
  END CASE;
END
$$;
