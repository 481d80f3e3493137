// The ids the metering hot path gives the rows it inserts: RFC 9562 version 7, time-ordered, increasing within a
// millisecond (cursor pagination by id relies on it).
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../activities/metering/uuidv7.js';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('has the version 7 and RFC variant bits and carries the millisecond timestamp', () => {
    // Increasing: the generator never goes back in time (last test), and it keeps that state between calls.
    for (const ms of [0x0123456789ab, Date.UTC(2026, 10, 23, 18, 0, 0, 1), Date.UTC(2029, 5, 30, 23, 59, 59, 999)]) {
      const id = uuidv7(ms);
      expect(id).toMatch(SHAPE);
      expect(millisOf(id)).toBe(ms);
    }
  });

  it('is strictly increasing for many ids in one millisecond, spilling into the next only past the counter', () => {
    const ms = Date.UTC(2030, 0, 1);
    const ids = Array.from({ length: 5000 }, () => uuidv7(ms));
    for (let i = 1; i < ids.length; i += 1) expect((ids[i - 1] as string) < (ids[i] as string)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(millisOf(ids[0] as string)).toBe(ms);
    expect(millisOf(ids.at(-1) as string)).toBeGreaterThan(ms);
  });

  it('never goes backwards when the clock does', () => {
    const a = uuidv7(Date.UTC(2031, 0, 1));
    const b = uuidv7(Date.UTC(2031, 0, 1) - 5000);
    expect(a < b).toBe(true);
  });
});
