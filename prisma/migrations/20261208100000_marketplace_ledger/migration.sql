-- Marketplace money flows: payees, commission plans, split rules, work payments and the double-entry ledger
-- (accounts, transactions, postings). Every table carries its organization's id and gets the row-level security of
-- *_row_level_security: ENABLE, FORCE, the tenant_isolation policy; WorkPayment, WorkPaymentRefund and LedgerPosting,
-- written under a parent, take the parent's organization by trigger when no tenant is set (the owner's tools).

-- CreateEnum
CREATE TYPE "PayeeKind" AS ENUM ('freelancer', 'agency', 'referral_partner');

-- CreateEnum
CREATE TYPE "PayoutSchedule" AS ENUM ('on_demand', 'weekly', 'monthly');

-- CreateEnum
CREATE TYPE "SplitBase" AS ENUM ('payee_amount', 'commission');

-- CreateEnum
CREATE TYPE "WorkPaymentKind" AS ENUM ('contract', 'milestone', 'hourly');

-- CreateEnum
CREATE TYPE "WorkPaymentStatus" AS ENUM ('pending', 'processing', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "LedgerAccountKind" AS ENUM ('client_receivable', 'payment_clearing', 'marketplace_revenue', 'payee_payable', 'payouts_in_transit', 'refunds');

-- CreateTable
CREATE TABLE "Payee" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "kind" "PayeeKind" NOT NULL,
    "name" TEXT NOT NULL,
    "externalRef" TEXT,
    "payoutProvider" TEXT,
    "payoutToken" TEXT,
    "payoutSchedule" "PayoutSchedule" NOT NULL DEFAULT 'weekly',
    "payoutMinimum" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Payee_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CommissionPlan" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "name" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "definition" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CommissionPlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SplitRule" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "name" TEXT NOT NULL,
    "appliesTo" "SplitBase" NOT NULL,
    "shares" JSONB NOT NULL,
    "validFrom" TIMESTAMPTZ(3),
    "validUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SplitRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkPayment" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "entityId" UUID NOT NULL,
    "payeeId" UUID NOT NULL,
    "kind" "WorkPaymentKind" NOT NULL,
    "reference" TEXT NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "commissionPlanId" UUID NOT NULL,
    "payeeSplitRuleId" UUID,
    "commissionSplitRuleId" UUID,
    "status" "WorkPaymentStatus" NOT NULL DEFAULT 'pending',
    "provider" TEXT NOT NULL,
    "paymentMethod" TEXT,
    "providerRef" TEXT,
    "failureCode" TEXT,
    "failureMessage" TEXT,
    "commission" DECIMAL(20,6),
    "allocation" JSONB,
    "amountRefunded" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "succeededAt" TIMESTAMPTZ(3),

    CONSTRAINT "WorkPayment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerAccount" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "kind" "LedgerAccountKind" NOT NULL,
    "payeeId" UUID,
    "currency" CHAR(3) NOT NULL,
    "key" TEXT NOT NULL,
    "balance" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LedgerAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerTransaction" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "kind" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "workPaymentId" UUID,
    "description" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerTransaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerPosting" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "transactionId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerPosting_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Payee_organizationId_createdAt_idx" ON "Payee"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Payee_organizationId_externalRef_key" ON "Payee"("organizationId", "externalRef");

-- CreateIndex
CREATE INDEX "CommissionPlan_organizationId_createdAt_idx" ON "CommissionPlan"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "SplitRule_organizationId_createdAt_idx" ON "SplitRule"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "WorkPayment_entityId_payeeId_status_idx" ON "WorkPayment"("entityId", "payeeId", "status");

-- CreateIndex
CREATE INDEX "WorkPayment_organizationId_createdAt_idx" ON "WorkPayment"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "WorkPayment_organizationId_idempotencyKey_key" ON "WorkPayment"("organizationId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "LedgerAccount_payeeId_idx" ON "LedgerAccount"("payeeId");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerAccount_organizationId_key_key" ON "LedgerAccount"("organizationId", "key");

-- CreateIndex
CREATE INDEX "LedgerTransaction_workPaymentId_idx" ON "LedgerTransaction"("workPaymentId");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerTransaction_organizationId_idempotencyKey_key" ON "LedgerTransaction"("organizationId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "LedgerPosting_transactionId_idx" ON "LedgerPosting"("transactionId");

-- CreateIndex
CREATE INDEX "LedgerPosting_accountId_createdAt_idx" ON "LedgerPosting"("accountId", "createdAt");

-- AddForeignKey
ALTER TABLE "WorkPayment" ADD CONSTRAINT "WorkPayment_payeeId_fkey" FOREIGN KEY ("payeeId") REFERENCES "Payee"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkPayment" ADD CONSTRAINT "WorkPayment_commissionPlanId_fkey" FOREIGN KEY ("commissionPlanId") REFERENCES "CommissionPlan"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerAccount" ADD CONSTRAINT "LedgerAccount_payeeId_fkey" FOREIGN KEY ("payeeId") REFERENCES "Payee"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerTransaction" ADD CONSTRAINT "LedgerTransaction_workPaymentId_fkey" FOREIGN KEY ("workPaymentId") REFERENCES "WorkPayment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerPosting" ADD CONSTRAINT "LedgerPosting_transactionId_fkey" FOREIGN KEY ("transactionId") REFERENCES "LedgerTransaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerPosting" ADD CONSTRAINT "LedgerPosting_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "LedgerAccount"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "WorkPaymentRefund" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL DEFAULT app_current_organization(),
    "workPaymentId" UUID NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "RefundStatus" NOT NULL DEFAULT 'pending',
    "providerRef" TEXT,
    "failureCode" TEXT,
    "failureMessage" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "succeededAt" TIMESTAMPTZ(3),

    CONSTRAINT "WorkPaymentRefund_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WorkPaymentRefund_workPaymentId_idx" ON "WorkPaymentRefund"("workPaymentId");

-- CreateIndex
CREATE UNIQUE INDEX "WorkPaymentRefund_organizationId_idempotencyKey_key" ON "WorkPaymentRefund"("organizationId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "WorkPaymentRefund" ADD CONSTRAINT "WorkPaymentRefund_workPaymentId_fkey" FOREIGN KEY ("workPaymentId") REFERENCES "WorkPayment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ───────────── row-level security ─────────────
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['Payee', 'CommissionPlan', 'SplitRule', 'WorkPayment', 'WorkPaymentRefund', 'LedgerAccount',
                           'LedgerTransaction', 'LedgerPosting']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING ("organizationId" = (SELECT app_current_organization())) '
      'WITH CHECK ("organizationId" = (SELECT app_current_organization()))', t);
  END LOOP;
END $$;

CREATE TRIGGER "WorkPayment_organizationId_from_parent" BEFORE INSERT ON "WorkPayment" FOR EACH ROW
  WHEN (NEW."organizationId" IS NULL) EXECUTE FUNCTION app_organization_from_parent('Payee', 'payeeId');
CREATE TRIGGER "WorkPaymentRefund_organizationId_from_parent" BEFORE INSERT ON "WorkPaymentRefund" FOR EACH ROW
  WHEN (NEW."organizationId" IS NULL) EXECUTE FUNCTION app_organization_from_parent('WorkPayment', 'workPaymentId');
CREATE TRIGGER "LedgerPosting_organizationId_from_parent" BEFORE INSERT ON "LedgerPosting" FOR EACH ROW
  WHEN (NEW."organizationId" IS NULL) EXECUTE FUNCTION app_organization_from_parent('LedgerTransaction', 'transactionId');
