-- Idempotency-Key records belong to the API key that made the request (and its organization), no longer to the
-- whole organization: another key of the same organization, or a key with fewer scopes, must never be replayed the
-- stored response of a request it did not make.
--
-- Backfill. A record so far named only its organization (`scope`, or "bootstrap"). Which of the organization's keys
-- made it is not recorded anywhere, so each record is copied to every key that could have made it: the keys of that
-- organization that existed and were not revoked when the record was written. The key that made it keeps its replay;
-- another such key of the same organization may replay it too, for as long as the record lives (the behaviour before
-- this migration, and never past a scope check, which now runs before any replay). Bootstrap records keep the
-- bootstrap key.
--
-- Not additive: `scope` is dropped. An API process of the previous release still running once this ran fails its
-- Idempotency-Key requests (500, nothing runs) until it is replaced.

-- DropIndex
DROP INDEX "IdempotencyRecord_scope_key_key";

-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN     "apiKeyId" TEXT,
ADD COLUMN     "organizationId" UUID,
ALTER COLUMN "scope" DROP NOT NULL;

-- Backfill
UPDATE "IdempotencyRecord" SET "apiKeyId" = 'bootstrap' WHERE "scope" = 'bootstrap';

INSERT INTO "IdempotencyRecord" ("id", "organizationId", "apiKeyId", "scope", "key", "method", "path", "requestHash",
  "statusCode", "responseBody", "createdAt", "holderPid", "holderStartedAt")
SELECT gen_random_uuid(), k."organizationId", k."id"::text, NULL, r."key", r."method", r."path", r."requestHash",
  r."statusCode", r."responseBody", r."createdAt", r."holderPid", r."holderStartedAt"
FROM "IdempotencyRecord" r
JOIN "ApiKey" k ON k."organizationId"::text = r."scope"
  AND k."createdAt" <= r."createdAt"
  AND (k."revokedAt" IS NULL OR k."revokedAt" > r."createdAt")
WHERE r."scope" <> 'bootstrap';

-- The originals of the copies above, and records no key could have made.
DELETE FROM "IdempotencyRecord" WHERE "apiKeyId" IS NULL;

-- AlterTable
ALTER TABLE "IdempotencyRecord" DROP COLUMN "scope",
ALTER COLUMN "apiKeyId" SET NOT NULL;

-- CreateIndex
CREATE INDEX "IdempotencyRecord_organizationId_createdAt_idx" ON "IdempotencyRecord"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyRecord_apiKeyId_key_key" ON "IdempotencyRecord"("apiKeyId", "key");

-- AddForeignKey
ALTER TABLE "IdempotencyRecord" ADD CONSTRAINT "IdempotencyRecord_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;
