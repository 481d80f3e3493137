-- Provider events (charge.refunded, charge.dispute.*) find the payment by the provider's reference.
CREATE INDEX "Payment_providerRef_idx" ON "Payment"("providerRef");
