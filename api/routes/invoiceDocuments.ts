// Invoice documents behind signed links: an API caller (or the customer portal) asks for links; whoever holds a link
// can fetch the invoice as HTML or as a PDF rendered from that same HTML until the link expires, without an API key
// (to hand to an accountant, to open from an email). The token names one invoice of one organization.

import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { PdfRendererUnavailableError } from '../../activities/documents/pdfRenderer.js';
import { invoiceDocument } from '../../activities/invoiceAdmin/invoiceQueries.js';
import { tenantDb } from '../../activities/tenantDb.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { renderInvoiceHtml } from '../invoiceHtml.js';
import { apiRoute, html, json, problem, Timestamp } from '../openapiKit.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { signToken, verifyToken } from '../signedTokens.js';

/** How long a document link works unless asked otherwise, and at most. */
export const DOCUMENT_LINK_TTL_MINUTES = 60;
const MAX_TTL_MINUTES = 7 * 24 * 60;

export const DocumentLinksSchema = z
  .object({
    invoiceId: z.uuid(),
    htmlUrl: z.string().openapi({ example: 'http://127.0.0.1:3000/documents/invoices/mbd_eyJ….abc/html' }),
    pdfUrl: z.string().openapi({ example: 'http://127.0.0.1:3000/documents/invoices/mbd_eyJ….abc/pdf' }),
    expiresAt: Timestamp,
  })
  .openapi('InvoiceDocumentLinks');

export function documentLinks(
  deps: Pick<RouteDeps, 'signingSecret'>,
  origin: string,
  organizationId: string,
  invoiceId: string,
  ttlMinutes = DOCUMENT_LINK_TTL_MINUTES,
  now = new Date(),
) {
  const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
  const { token } = signToken(deps.signingSecret, {
    purpose: 'invoice-document',
    organizationId,
    subject: invoiceId,
    expiresAt,
  });
  const base = `${origin}/documents/invoices/${token}`;
  return { invoiceId, htmlUrl: `${base}/html`, pdfUrl: `${base}/pdf`, expiresAt: expiresAt.toISOString() };
}

const linksRoute = apiRoute({
  method: 'get',
  path: '/api/billing/invoices/{invoiceId}/document-links',
  tags: ['Invoices'],
  summary: 'Signed links to the invoice as HTML and PDF, usable without an API key until they expire',
  middleware: [requireScope('read')],
  request: {
    params: z.object({ invoiceId: z.uuid().openapi({ param: { name: 'invoiceId', in: 'path' } }) }),
    query: z.object({
      expiresInMinutes: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_TTL_MINUTES)
        .default(DOCUMENT_LINK_TTL_MINUTES)
        .openapi({ description: `Default ${DOCUMENT_LINK_TTL_MINUTES}, at most ${MAX_TTL_MINUTES} (7 days)` }),
    }),
  },
  responses: { 200: json(DocumentLinksSchema, 'Links') },
});

export function invoiceDocumentLinkRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>().openapi(linksRoute, async (c) => {
    const { invoiceId } = c.req.valid('param');
    const doc = await invoiceDocument(c.var.db, c.var.auth.organizationId, invoiceId);
    if (!doc) throw notFound('invoice');
    const origin = new URL(c.req.url).origin;
    return c.json(
      documentLinks(deps, origin, c.var.auth.organizationId, invoiceId, c.req.valid('query').expiresInMinutes),
      200,
    );
  });
}

const TokenParam = z.object({
  token: z
    .string()
    .min(1)
    .max(2000)
    .openapi({ param: { name: 'token', in: 'path' } }),
});
const gone = problem('Unknown, altered or expired link (LINK_INVALID)', {
  status: 404,
  code: 'LINK_INVALID',
  title: 'Link invalid',
  detail: 'The link is unknown or has expired',
});
const invalid = problem('A token that is no token at all (VALIDATION_FAILED)', {
  status: 422,
  code: 'VALIDATION_FAILED',
  title: 'Invalid request',
  detail: 'token: Invalid string',
  errors: [{ path: 'token', message: 'Invalid string' }],
});
const htmlDocRoute = createRoute({
  method: 'get',
  path: '/documents/invoices/{token}/html',
  tags: ['Invoices'],
  summary: 'The invoice as HTML, through a signed link (no API key)',
  description:
    'The link (`htmlUrl` of POST /api/billing/invoices/{invoiceId}/document-links) is the credential: a signed, expiring token for one invoice. An altered, ' +
    'unknown or expired link is 404 LINK_INVALID. Answered `Cache-Control: private, no-store`.',
  security: [],
  request: { params: TokenParam },
  responses: {
    200: html('HTML'),
    404: gone,
    422: invalid,
  },
});
const pdfDocRoute = createRoute({
  method: 'get',
  path: '/documents/invoices/{token}/pdf',
  tags: ['Invoices'],
  summary: 'The invoice as PDF (rendered from the HTML), through a signed link (no API key)',
  description:
    'The same signed link as the HTML document, rendered to PDF by a headless browser in the API process. Without ' +
    'one the answer is 503 PDF_RENDERER_UNAVAILABLE (the HTML stays available).',
  security: [],
  request: { params: TokenParam },
  responses: {
    200: {
      description: 'PDF',
      content: {
        'application/pdf': { schema: z.string().openapi({ format: 'binary' }), example: '%PDF-1.7 ... %%EOF' },
      },
    },
    404: gone,
    422: invalid,
    503: problem('No PDF renderer in this process (PDF_RENDERER_UNAVAILABLE)', {
      status: 503,
      code: 'PDF_RENDERER_UNAVAILABLE',
      title: 'PDF unavailable',
      detail: 'This API process renders no PDF',
    }),
  },
});

/** Public: the token is the credential. One answer for every bad link, so a guess learns nothing. */
export function invoiceDocumentRoutes(deps: RouteDeps) {
  const load = async (token: string) => {
    const claims = verifyToken(deps.signingSecret, 'invoice-document', token);
    // The link names its organization, which the document is read as (row-level security).
    const doc =
      claims &&
      (await invoiceDocument(tenantDb(deps.db, claims.organizationId), claims.organizationId, claims.subject));
    if (!doc) throw new ProblemError(404, 'LINK_INVALID', 'Link invalid', 'The link is unknown or has expired');
    return doc;
  };
  const privateHeaders = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' };
  return new OpenAPIHono()
    .openapi(htmlDocRoute, async (c) => {
      const doc = await load(c.req.valid('param').token);
      return c.html(renderInvoiceHtml(doc), 200, privateHeaders);
    })
    .openapi(pdfDocRoute, async (c) => {
      const doc = await load(c.req.valid('param').token);
      if (!deps.pdfRenderer) {
        throw new ProblemError(503, 'PDF_RENDERER_UNAVAILABLE', 'PDF unavailable', 'This API process renders no PDF');
      }
      let pdf: Buffer;
      try {
        pdf = await deps.pdfRenderer.render(renderInvoiceHtml(doc));
      } catch (err) {
        if (!(err instanceof PdfRendererUnavailableError)) throw err;
        deps.log.error({ err }, 'pdf renderer unavailable');
        throw new ProblemError(503, 'PDF_RENDERER_UNAVAILABLE', 'PDF unavailable', 'The PDF renderer could not start');
      }
      const name = doc.number === null ? `invoice-draft-${doc.id}` : `invoice-${doc.number}`;
      return c.body(new Uint8Array(pdf), 200, {
        ...privateHeaders,
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="${name}.pdf"`,
      });
    });
}
