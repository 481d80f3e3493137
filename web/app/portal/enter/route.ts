// The link a marketplace sends its customer: /portal/enter?token=… Moves the signed session token into an httpOnly
// cookie and redirects to /portal, so the token leaves the address bar (and the browser history) at once.
import { NextResponse } from 'next/server';
import { PORTAL_COOKIE, portalCookieOptions } from '../../../lib/session';

/** The token's expiry, read (not trusted: the API verifies the signature on every request) for the cookie's life. */
function expiryOf(token: string): Date | null {
  try {
    const body = token.slice(token.indexOf('_') + 1).split('.')[0] ?? '';
    const exp = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? new Date(exp * 1000) : null;
  } catch {
    return null;
  }
}

export async function GET(request: Request) {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const expiresAt = token.startsWith('mbp_') ? expiryOf(token) : null;
  if (!expiresAt || expiresAt <= new Date()) {
    return new NextResponse('This portal link is invalid or has expired. Ask for a new one.', {
      status: 410,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  // A relative Location: behind a proxy (or on 127.0.0.1 vs localhost) the cookie stays on the host the link used.
  const res = new NextResponse(null, {
    status: 303,
    headers: { Location: '/portal', 'Referrer-Policy': 'no-referrer' },
  });
  res.cookies.set(PORTAL_COOKIE, token, portalCookieOptions(expiresAt));
  return res;
}
