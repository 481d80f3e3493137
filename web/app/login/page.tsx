import { redirect } from 'next/navigation';
import { ApiError, api } from '../../lib/api';
import { startOpsSession } from '../../lib/session';

async function login(form: FormData) {
  'use server';
  const key = String(form.get('apiKey') ?? '').trim();
  if (!key) redirect('/login?error=missing');
  try {
    // Listing API keys needs the admin scope: a read or ingest key is refused here, not later.
    await api(key, '/api/api-keys?limit=1');
  } catch (err) {
    redirect(`/login?error=${err instanceof ApiError ? err.code : 'UNREACHABLE'}`);
  }
  await startOpsSession(key);
  redirect('/ops');
}

const MESSAGES: Record<string, string> = {
  missing: 'Enter an API key.',
  UNAUTHENTICATED: 'That API key is unknown, revoked or expired.',
  INSUFFICIENT_SCOPE: 'That key is not an organization admin key.',
  UNREACHABLE: 'The API could not be reached.',
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <main>
      <h1>Billing console: sign in</h1>
      <section className="card">
        <p>Sign in with an organization admin API key. It is kept in an encrypted, httpOnly session cookie.</p>
        {error ? (
          <p role="alert" className="bad">
            {MESSAGES[error] ?? `Sign-in failed (${error}).`}
          </p>
        ) : null}
        <form action={login}>
          <p>
            <label htmlFor="apiKey">Organization admin API key</label>
            <br />
            <input id="apiKey" name="apiKey" type="password" autoComplete="off" required />
          </p>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </main>
  );
}
