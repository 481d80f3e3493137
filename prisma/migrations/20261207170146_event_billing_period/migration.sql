-- Events carry the billing period whose invoice bills them (late events: a later one than their own), their
-- position on the period's tiers when rated, and the price that rated them.

ALTER TABLE "MarketplaceEvent" ADD COLUMN "billedPeriodStart" TIMESTAMPTZ(3),
ADD COLUMN "priceId" UUID,
ADD COLUMN "usageBefore" DECIMAL(20,6);

-- Until now every event was billed by its own period's invoice.
UPDATE "MarketplaceEvent" SET "billedPeriodStart" = "periodStart";
ALTER TABLE "MarketplaceEvent" ALTER COLUMN "billedPeriodStart" SET NOT NULL;

-- Tier positions of the accepted events so far: the quantity of the same type and period before each one, in id
-- order (UUIDv7: the order they were rated in, one entity at a time under its row lock).
UPDATE "MarketplaceEvent" e SET "usageBefore" = p.before
FROM (
  SELECT id, coalesce(sum(quantity) OVER (
           PARTITION BY "entityId", "eventType", "periodStart" ORDER BY id
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM "MarketplaceEvent" WHERE status = 'accepted'
) p
WHERE e.id = p.id;

DROP INDEX "MarketplaceEvent_entityId_periodStart_eventType_idx";
CREATE INDEX "MarketplaceEvent_entityId_billedPeriodStart_eventType_idx" ON "MarketplaceEvent"("entityId", "billedPeriodStart", "eventType");
