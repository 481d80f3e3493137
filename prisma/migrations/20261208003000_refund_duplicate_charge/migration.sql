-- A charge that succeeded on an invoice settled another way meanwhile (marked paid, paid by another payment, voided)
-- is money taken twice: it is returned in full by a refund of this kind.
ALTER TYPE "RefundKind" ADD VALUE 'duplicate_charge';
