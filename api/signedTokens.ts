// Short-lived signed tokens for links that carry no API key: a customer-portal session (one entity) and an invoice
// document (one invoice). Stateless: `<prefix>_<base64url(claims)>.<base64url(HMAC-SHA256)>`, where the claims
// name their purpose, organization, subject and expiry. The purpose is inside the signed claims, so a document link
// can never be used as a portal session, nor the other way round.
//
// The secret is CONSOLE_SIGNING_SECRET; every API process behind one load balancer needs the same one.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'portal' | 'invoice-document';

export interface TokenClaims {
  purpose: TokenPurpose;
  organizationId: string;
  /** The entity of a portal session, the invoice of a document link. */
  subject: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Makes two tokens for the same subject and second differ (a session id for logs). */
  nonce: string;
}

const PREFIX: Record<TokenPurpose, string> = { portal: 'mbp', 'invoice-document': 'mbd' };

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64url');

export function signToken(
  secret: string,
  claims: Omit<TokenClaims, 'nonce' | 'exp'> & { expiresAt: Date },
): { token: string; claims: TokenClaims } {
  const full: TokenClaims = {
    purpose: claims.purpose,
    organizationId: claims.organizationId,
    subject: claims.subject,
    exp: Math.floor(claims.expiresAt.getTime() / 1000),
    nonce: randomBytes(9).toString('base64url'),
  };
  const body = Buffer.from(JSON.stringify(full)).toString('base64url');
  return { token: `${PREFIX[claims.purpose]}_${body}.${mac(secret, body)}`, claims: full };
}

/** The claims of a valid, unexpired token of that purpose; null for anything else (never says which check failed). */
export function verifyToken(
  secret: string,
  purpose: TokenPurpose,
  token: string,
  now = new Date(),
): TokenClaims | null {
  const prefix = `${PREFIX[purpose]}_`;
  if (!token.startsWith(prefix)) return null;
  const [body, sig, extra] = token.slice(prefix.length).split('.');
  if (!body || !sig || extra !== undefined) return null;
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return null;
  }
  if (claims.purpose !== purpose || typeof claims.exp !== 'number') return null;
  if (claims.exp * 1000 <= now.getTime()) return null;
  return claims;
}

export const isPortalToken = (token: string) => token.startsWith(`${PREFIX.portal}_`);
