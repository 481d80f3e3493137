// A console link to an invoice document: asks the API for a signed link with the session's key and redirects to it,
// so the page never embeds long-lived links nor the key.
import { NextResponse } from 'next/server';
import { api } from '../../../../../lib/api';
import { opsKey } from '../../../../../lib/session';

export async function GET(request: Request, { params }: { params: Promise<{ invoiceId: string }> }) {
  const key = await opsKey();
  if (!key) return new NextResponse(null, { status: 303, headers: { Location: '/login' } });
  const { invoiceId } = await params;
  const format = new URL(request.url).searchParams.get('format') === 'pdf' ? 'pdf' : 'html';
  const links = await api<{ htmlUrl: string; pdfUrl: string }>(
    key,
    `/api/billing/invoices/${encodeURIComponent(invoiceId)}/document-links?expiresInMinutes=5`,
  );
  return NextResponse.redirect(format === 'pdf' ? links.pdfUrl : links.htmlUrl, 303);
}
