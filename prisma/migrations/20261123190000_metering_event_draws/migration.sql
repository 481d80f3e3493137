-- Each metered event records its own draws; `consume` ledger entries are written once per metering transaction and
-- grant from now on (activities/metering/ingestEvents.ts).
ALTER TABLE "MarketplaceEvent" ADD COLUMN     "draws" JSONB NOT NULL DEFAULT '[]';

-- Events metered before this change had one consume entry per event and grant: point their draws at those entries.
UPDATE "MarketplaceEvent" e
SET "draws" = d."draws"
FROM (
  SELECT l."eventId",
         jsonb_agg(jsonb_build_object('grantId', l."grantId", 'amount', (-l.amount)::text, 'ledgerEntryId', l.id)
                   ORDER BY l.id) AS "draws"
  FROM "LedgerEntry" l
  WHERE l.kind = 'consume' AND l."eventId" IS NOT NULL
  GROUP BY l."eventId"
) d
WHERE e.id = d."eventId";
