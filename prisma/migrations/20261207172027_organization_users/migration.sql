-- Each organization's own record of a person (OrganizationUser): the email and name it gave, its timestamps. The
-- User row keeps only the identity that memberships and events name, so no organization reads what another said.
--
-- Backfill: one record per organization and user with a membership (current or removed) in that organization.
-- The organization that created the user (its first membership) keeps the user's creation time; one that reused
-- the user by email gets the time of its own first membership. The name is the user's name: the one every such
-- organization was shown so far. Then the email and name of every User row copied are cleared (the columns stay, no
-- longer written; a user no organization has a membership of, seen by none, is left as it was).

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "email" DROP NOT NULL,
ALTER COLUMN "name" DROP NOT NULL;

-- CreateTable
CREATE TABLE "OrganizationUser" (
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OrganizationUser_pkey" PRIMARY KEY ("organizationId","userId")
);

-- CreateIndex
CREATE INDEX "OrganizationUser_userId_idx" ON "OrganizationUser"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "OrganizationUser_organizationId_email_key" ON "OrganizationUser"("organizationId", "email");

-- AddForeignKey
ALTER TABLE "OrganizationUser" ADD CONSTRAINT "OrganizationUser_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrganizationUser" ADD CONSTRAINT "OrganizationUser_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Backfill
WITH joined AS (
  SELECT e."organizationId", m."userId", min(m."createdAt") AS "joinedAt"
  FROM "EntityUser" m
  JOIN "Entity" e ON e."id" = m."entityId"
  GROUP BY e."organizationId", m."userId"
), ranked AS (
  SELECT j.*, row_number() OVER (PARTITION BY j."userId" ORDER BY j."joinedAt", j."organizationId") AS "rank"
  FROM joined j
)
INSERT INTO "OrganizationUser" ("organizationId", "userId", "email", "name", "createdAt", "updatedAt")
SELECT r."organizationId", r."userId", lower(u."email"), u."name",
  CASE WHEN r."rank" = 1 THEN u."createdAt" ELSE r."joinedAt" END,
  CASE WHEN r."rank" = 1 THEN u."createdAt" ELSE r."joinedAt" END
FROM ranked r
JOIN "User" u ON u."id" = r."userId";

UPDATE "User" SET "email" = NULL, "name" = NULL WHERE "id" IN (SELECT "userId" FROM "OrganizationUser");
