// The in-process cache of the hot paths: entries expire, expired ones do not pile up, and it never grows past its bound.
import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../activities/ttlCache.js';

describe('TtlCache', () => {
  it('answers an entry until its TTL has passed, then forgets it', () => {
    const cache = new TtlCache<string>(1_000);
    cache.set('a', 'A', 10_000);
    expect(cache.get('a', 10_999)).toBe('A');
    expect(cache.get('a', 11_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps an entry no longer than its own expiry when that is sooner than the TTL', () => {
    const cache = new TtlCache<string>(1_000);
    cache.set('a', 'A', 10_000, 10_400);
    expect(cache.get('a', 10_399)).toBe('A');
    expect(cache.get('a', 10_400)).toBeUndefined();
  });

  it('drops expired entries when written to, even ones nobody reads again', () => {
    const cache = new TtlCache<number>(1_000);
    for (let i = 0; i < 100; i += 1) cache.set(`old-${i}`, i, 10_000);
    expect(cache.size).toBe(100);
    cache.set('new', 1, 11_000);
    expect(cache.size).toBe(1);
    expect(cache.get('new', 11_001)).toBe(1);
  });

  it('never holds more than its bound: the oldest entry goes first', () => {
    const cache = new TtlCache<number>(60_000, 3);
    for (let i = 0; i < 5; i += 1) cache.set(`k${i}`, i, 10_000 + i);
    expect(cache.size).toBe(3);
    expect(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => cache.get(k, 10_010) ?? null)).toEqual([null, null, 2, 3, 4]);
  });

  it('rewriting a key renews it and moves it to the back', () => {
    const cache = new TtlCache<number>(1_000, 2);
    cache.set('a', 1, 10_000);
    cache.set('b', 2, 10_000);
    cache.set('a', 3, 10_500);
    cache.set('c', 4, 10_600);
    expect([cache.get('a', 10_700), cache.get('b', 10_700), cache.get('c', 10_700)]).toEqual([3, undefined, 4]);
    expect(cache.get('a', 11_499)).toBe(3);
  });

  it('deletes what a predicate selects, and everything on clear', () => {
    const cache = new TtlCache<{ owner: string }>(1_000);
    cache.set('x', { owner: 'k1' }, 0);
    cache.set('y', { owner: 'k2' }, 0);
    cache.deleteWhere((v) => v.owner === 'k1');
    expect([cache.get('x', 1), cache.get('y', 1)]).toEqual([undefined, { owner: 'k2' }]);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
