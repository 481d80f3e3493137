-- AlterTable
ALTER TABLE "Entity" ADD COLUMN     "defaultPaymentMethod" TEXT;
