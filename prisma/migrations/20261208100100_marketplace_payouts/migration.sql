-- Payouts of payees' balances (payout:<payeeId> runs them) and the organization's marketplace settings (the security
-- hold). Row-level security as for every table: ENABLE, FORCE, the tenant_isolation policy; a Payout written with no
-- tenant set takes its payee's organization by trigger.

-- CreateEnum
CREATE TYPE "PayoutStatus" AS ENUM ('in_transit', 'paid', 'failed');

-- AlterTable
ALTER TABLE "LedgerTransaction" ADD COLUMN     "payoutId" UUID;

-- CreateTable
CREATE TABLE "MarketplaceSettings" (
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "payoutHoldDays" INTEGER NOT NULL DEFAULT 5,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MarketplaceSettings_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "Payout" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "payeeId" UUID NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "PayoutStatus" NOT NULL DEFAULT 'in_transit',
    "provider" TEXT NOT NULL,
    "providerRef" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failureCode" TEXT,
    "failureMessage" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "paidAt" TIMESTAMPTZ(3),
    "failedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Payout_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Payout_payeeId_currency_status_idx" ON "Payout"("payeeId", "currency", "status");

-- CreateIndex
CREATE INDEX "Payout_organizationId_createdAt_idx" ON "Payout"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "LedgerTransaction_payoutId_idx" ON "LedgerTransaction"("payoutId");

-- AddForeignKey
ALTER TABLE "LedgerTransaction" ADD CONSTRAINT "LedgerTransaction_payoutId_fkey" FOREIGN KEY ("payoutId") REFERENCES "Payout"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payout" ADD CONSTRAINT "Payout_payeeId_fkey" FOREIGN KEY ("payeeId") REFERENCES "Payee"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ───────────── row-level security ─────────────
ALTER TABLE "MarketplaceSettings" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "MarketplaceSettings" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "MarketplaceSettings" USING ("organizationId" = (SELECT app_current_organization()))
  WITH CHECK ("organizationId" = (SELECT app_current_organization()));
ALTER TABLE "Payout" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Payout" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "Payout" USING ("organizationId" = (SELECT app_current_organization()))
  WITH CHECK ("organizationId" = (SELECT app_current_organization()));
CREATE TRIGGER "Payout_organizationId_from_parent" BEFORE INSERT ON "Payout" FOR EACH ROW
  WHEN (NEW."organizationId" IS NULL) EXECUTE FUNCTION app_organization_from_parent('Payee', 'payeeId');
