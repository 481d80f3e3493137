// UUIDv7 ids for rows the hot path inserts with raw SQL (Prisma's `@default(uuid(7))` is applied by the ORM client,
// not by the database). Time-ordered, so cursor pagination by id follows creation order; within one millisecond a
// 12-bit counter keeps ids from this process increasing.
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      ms += 1;
      sequence = 0;
    }
  } else {
    sequence = (bytes[6] ?? 0) & 0x3f; // random start, leaves room to count up
  }
  lastMs = ms;
  const ts = BigInt(ms);
  for (let i = 0; i < 6; i += 1) bytes[i] = Number((ts >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
