import Link from 'next/link';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { opsKey } from '../../lib/session';

export default async function OpsLayout({ children }: { children: ReactNode }) {
  if (!(await opsKey())) redirect('/login');
  return (
    <>
      <header className="top">
        <strong>Billing console</strong>
        <nav aria-label="Main">
          <Link href="/ops">Overview</Link>
          <Link href="/ops/entities">Entities</Link>
        </nav>
        <form action="/ops/logout" method="post" className="inline">
          <button type="submit">Sign out</button>
        </form>
      </header>
      {children}
    </>
  );
}
