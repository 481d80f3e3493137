-- Multi-currency: exchange rates as data (per organization, under row-level security like every tenant table), the
-- organization's reporting currency, and the exchange a cross-currency credit transfer applied on its ledger entries.

-- AlterTable
ALTER TABLE "LedgerEntry" ADD COLUMN     "conversion" JSONB;

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "reportingCurrency" CHAR(3) NOT NULL DEFAULT 'USD';

-- An organization reports in the currency of its first entity until it chooses another.
UPDATE "Organization" o SET "reportingCurrency" = e.currency
  FROM (SELECT DISTINCT ON ("organizationId") "organizationId", currency FROM "Entity"
         WHERE "deletedAt" IS NULL ORDER BY "organizationId", "createdAt", id) e
 WHERE e."organizationId" = o.id;

-- CreateTable
CREATE TABLE "ExchangeRate" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "base" CHAR(3) NOT NULL,
    "quote" CHAR(3) NOT NULL,
    "rate" DECIMAL(20,10) NOT NULL,
    "source" TEXT NOT NULL,
    "effectiveAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExchangeRate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ExchangeRate_organizationId_base_quote_effectiveAt_key" ON "ExchangeRate"("organizationId", "base", "quote", "effectiveAt");

ALTER TABLE "ExchangeRate" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ExchangeRate" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "ExchangeRate"
  USING ("organizationId" = (SELECT app_current_organization()))
  WITH CHECK ("organizationId" = (SELECT app_current_organization()));
