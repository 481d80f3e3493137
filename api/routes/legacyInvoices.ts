// Legacy /api/invoices: the platform's invoices in the pre-platform wire shape (snake_case, amounts as integers in
// the currency's minor unit, e.g. cents), attributed to a legacy customer. Read-only; deprecated in favour of
// /api/billing/invoices.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  findLegacyInvoice,
  type LegacyInvoiceRow,
  listLegacyInvoices,
} from '../../activities/legacy/legacyInvoiceQueries.js';
import { minorUnitDigits } from '../../domain/currencies.js';
import { BillingDecimal, ROUNDING_MODE } from '../../domain/money.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, idParam, iso, isoOrNull, json, NullableTimestamp, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const Cents = z.number().int().openapi({ description: "Integer amount in the currency's minor unit (cents for USD)" });

const LegacyInvoice = z
  .object({
    id: z.uuid(),
    object: z.literal('invoice'),
    customer_id: z.uuid().nullable(),
    entity_id: z.uuid().nullable(),
    number: z.string().nullable().openapi({ example: 'INV-000042' }),
    status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']),
    currency: z.string().openapi({ example: 'usd', description: 'Lower-case ISO 4217, as the legacy API sent it' }),
    subtotal_cents: Cents,
    total_cents: Cents,
    amount_due_cents: Cents,
    amount_paid_cents: Cents,
    period_start: Timestamp,
    period_end: Timestamp,
    due_date: NullableTimestamp,
    paid_at: NullableTimestamp,
    created_at: Timestamp,
  })
  .openapi('LegacyInvoice', {
    description: 'Legacy shape of an invoice (see /api/billing/invoices for the current one)',
  });

const tags = ['Legacy'];
const legacy = { tags, deprecated: true } as const;

const listRoute = apiRoute({
  ...legacy,
  method: 'get',
  path: '/api/invoices',
  summary: 'List invoices (legacy shape)',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({
      customer_id: z.uuid().optional(),
      status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']).optional(),
    }),
  },
  responses: { 200: json(listSchema(LegacyInvoice, 'LegacyInvoiceList'), 'Invoices') },
});
const readRoute = apiRoute({
  ...legacy,
  method: 'get',
  path: '/api/invoices/{invoiceId}',
  summary: 'Read an invoice (legacy shape)',
  middleware: [requireScope('read')],
  request: { params: idParam('invoiceId') },
  responses: { 200: json(LegacyInvoice, 'The invoice') },
});

function minorUnits(amount: { toString(): string }, currency: string): number {
  const scale = new BillingDecimal(10).pow(minorUnitDigits(currency));
  return new BillingDecimal(amount.toString()).times(scale).toDecimalPlaces(0, ROUNDING_MODE).toNumber();
}

const present = (i: LegacyInvoiceRow) => ({
  id: i.id,
  object: 'invoice' as const,
  customer_id: i.legacyCustomerId,
  entity_id: i.entityId,
  number: i.number === null ? null : `INV-${String(i.number).padStart(6, '0')}`,
  status: i.status,
  currency: i.currency.toLowerCase(),
  subtotal_cents: minorUnits(i.subtotal, i.currency),
  total_cents: minorUnits(i.total, i.currency),
  amount_due_cents: minorUnits(i.amountDue, i.currency),
  amount_paid_cents: minorUnits(i.amountPaid, i.currency),
  period_start: iso(i.periodStart),
  period_end: iso(i.periodEnd),
  due_date: isoOrNull(i.dueAt),
  paid_at: isoOrNull(i.paidAt),
  created_at: iso(i.createdAt),
});

export function legacyInvoiceRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listLegacyInvoices(
        c.var.db,
        c.var.auth.organizationId,
        { customerId: q.customer_id, status: q.status },
        pageRequest(q),
      );
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const invoice = await findLegacyInvoice(c.var.db, c.var.auth.organizationId, c.req.valid('param').invoiceId);
      if (!invoice) throw notFound('invoice');
      return c.json(present(invoice), 200);
    });
}
