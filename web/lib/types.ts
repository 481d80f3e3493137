// The API shapes the console reads (the subset of the OpenAPI document it uses).
export interface Entity {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  status: string;
}
export interface Invoice {
  id: string;
  entityId: string | null;
  number: number | null;
  status: string;
  currency: string;
  periodStart: string;
  periodEnd: string;
  total: string;
  amountRemaining: string;
  dueAt: string | null;
}
export interface Delivery {
  id: string;
  eventType: string;
  endpointId: string;
  status: string;
  lastError: string | null;
}
export interface Subscription {
  id: string;
  entityId: string;
  planName: string;
  status: string;
  seats: number;
  pricePerSeat: string;
  currency: string;
  currentPeriodEnd: string;
}
export interface Grant {
  id: string;
  source: string;
  original: string;
  remaining: string;
  expiresAt: string | null;
}
export interface Recommendation {
  kind: string;
  subjectId: string;
  summary: string;
  numbers: Record<string, string | number>;
}
export interface UsageReport {
  currency: string;
  totals: { events: number; ratedAmount: string; creditsDrawn: string; billedLater: string };
}
export interface BillingWorkflowStatus {
  workflowId: string;
  runId: string;
  status: string;
}

export interface RevenueReport {
  reportingCurrency: string;
  ratesAt: string;
  byCurrency: Array<{ currency: string; invoicedReported: string; exchangeRate: { rate: string; method: string } }>;
  totals: { invoiced: string; paid: string };
}
