-- AlterTable
ALTER TABLE "MarketplaceEvent" ADD COLUMN     "balanceAfter" DECIMAL(20,6);
