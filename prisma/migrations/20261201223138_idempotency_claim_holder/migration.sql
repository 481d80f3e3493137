-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN     "holderPid" INTEGER,
ADD COLUMN     "holderStartedAt" TIMESTAMPTZ(6);
