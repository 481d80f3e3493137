import { NextResponse } from 'next/server';
import { OPS_COOKIE } from '../../../lib/session';

export async function POST(request: Request) {
  const res = NextResponse.redirect(new URL('/login', request.url), 303);
  res.cookies.delete(OPS_COOKIE);
  return res;
}
