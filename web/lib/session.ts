// The ops session: the organization admin API key, sealed (AES-256-GCM) in an httpOnly, SameSite=Strict cookie, so
// the key never appears in a URL or in the browser's JavaScript. The portal session: the signed portal token the API
// issued, in its own httpOnly cookie (it is worthless outside its entity and expires on its own).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { config } from './config';

export const OPS_COOKIE = 'mb_ops';
export const PORTAL_COOKIE = 'mb_portal';
const OPS_MAX_AGE_S = 8 * 3600;

const key = () => createHash('sha256').update(`console-session:${config.sessionSecret}`).digest();

export function seal(value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(), iv);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export function unseal(sealed: string): string | null {
  try {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !body) return null;
    const decipher = createDecipheriv('aes-256-gcm', key(), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

const cookieOptions = (maxAge: number) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: process.env.CONSOLE_SECURE_COOKIES === 'true',
  path: '/',
  maxAge,
});

export async function startOpsSession(apiKey: string) {
  (await cookies()).set(OPS_COOKIE, seal(apiKey), cookieOptions(OPS_MAX_AGE_S));
}

export async function opsKey(): Promise<string | null> {
  const c = (await cookies()).get(OPS_COOKIE);
  return c ? unseal(c.value) : null;
}

/** Pages render beside their layout, not after it: each ops page asks for the key itself. */
export async function requireOpsKey(): Promise<string> {
  const key = await opsKey();
  if (!key) redirect('/login');
  return key;
}

export async function endOpsSession() {
  (await cookies()).delete(OPS_COOKIE);
}

export const portalCookieOptions = (expiresAt: Date) =>
  cookieOptions(Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)));

export async function portalToken(): Promise<string | null> {
  return (await cookies()).get(PORTAL_COOKIE)?.value ?? null;
}
