-- CreateEnum
CREATE TYPE "TestClockStatus" AS ENUM ('ready', 'advancing');

-- AlterTable
ALTER TABLE "Entity" ADD COLUMN     "testClockId" UUID;

-- CreateTable
CREATE TABLE "TestClock" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "frozenTime" TIMESTAMPTZ(3) NOT NULL,
    "status" "TestClockStatus" NOT NULL DEFAULT 'ready',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TestClock_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TestClock_organizationId_createdAt_idx" ON "TestClock"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "Entity_testClockId_idx" ON "Entity"("testClockId");

-- AddForeignKey
ALTER TABLE "Entity" ADD CONSTRAINT "Entity_testClockId_fkey" FOREIGN KEY ("testClockId") REFERENCES "TestClock"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestClock" ADD CONSTRAINT "TestClock_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
