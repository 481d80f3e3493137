-- One-off invoices (a subscription change settled charge_now) next to period invoices. Every existing invoice is a
-- period invoice (the column's default backfills them); "one invoice per entity and period" now counts period invoices
-- only, and a one-off invoice is unique on its own idempotency key (change:<subscriptionId>:<changeId>).
-- No existing row has an idempotencyKey, and the period index keeps exactly the rows the old one held unique.
-- CreateEnum
CREATE TYPE "InvoiceKind" AS ENUM ('period', 'one_off');

-- DropIndex
DROP INDEX "Invoice_entityId_periodStart_key";

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "kind" "InvoiceKind" NOT NULL DEFAULT 'period';

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_idempotencyKey_key" ON "Invoice"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_entityId_periodStart_key" ON "Invoice"("entityId", "periodStart") WHERE ("kind" = 'period');
