// UUIDv7 ids for rows the hot path inserts with raw SQL (Prisma's `@default(uuid(7))` is applied by the ORM client,
// not by the database). Time-ordered, so cursor pagination by id follows creation order; within one millisecond a
// 12-bit counter keeps ids from this process increasing.
import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let sequence = 0;
// Random bytes are drawn 4 KiB at a time: one syscall per 256 ids instead of one per id (the hot path makes several
// ids per event).
const pool = Buffer.alloc(4096);
let offset = pool.length;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (byte: number) => HEX[byte & 0xff] as string;

export function uuidv7(now: number = Date.now()): string {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = offset;
  offset += 16;
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      ms += 1;
      sequence = 0;
    }
  } else {
    sequence = (pool[r + 6] as number) & 0x3f; // random start, leaves room to count up
  }
  lastMs = ms;
  // 48-bit millisecond timestamp, big-endian; plain arithmetic is exact below 2^53.
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  let out = hex(high >>> 16) + hex(high >>> 8) + hex(high) + hex(low >>> 16) + '-' + hex(low >>> 8) + hex(low) + '-';
  out += hex(0x70 | ((sequence >> 8) & 0x0f)) + hex(sequence) + '-';
  out += hex(((pool[r + 8] as number) & 0x3f) | 0x80) + hex(pool[r + 9] as number) + '-';
  for (let i = 10; i < 16; i += 1) out += hex(pool[r + i] as number);
  return out;
}
