import { NextResponse } from 'next/server';
import { OPS_COOKIE } from '../../../lib/session';

export async function POST() {
  const res = new NextResponse(null, { status: 303, headers: { Location: '/login' } });
  res.cookies.delete(OPS_COOKIE);
  return res;
}
