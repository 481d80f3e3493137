-- MarketplaceEvent keeps entityId and userId without foreign keys: its only writer (the metering transaction) locks
-- the entity and checks the membership itself, nothing is ever hard-deleted, and the two checks per inserted row were
-- about a quarter of Postgres's work per event (bench/README.md). `npm run invariants` checks the references.
-- DropForeignKey
ALTER TABLE "MarketplaceEvent" DROP CONSTRAINT "MarketplaceEvent_entityId_fkey";

-- DropForeignKey
ALTER TABLE "MarketplaceEvent" DROP CONSTRAINT "MarketplaceEvent_userId_fkey";
