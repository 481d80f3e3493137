// A small in-process cache whose entries expire: what the hot paths keep between requests (the metering path's entity
// and prices, authenticated API keys). An expired entry is dropped when it is read, expired entries at the front are
// swept on every write, and the cache never holds more than `maxEntries` (the oldest entry goes first), so a stream of
// distinct keys cannot grow it without limit.

export class TtlCache<V> {
  /** In insertion order: a rewritten key moves to the end. */
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now = Date.now()): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt > now) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps `value` for the TTL, or until `expiresAt` (ms) when that is sooner. */
  set(key: string, value: V, now = Date.now(), expiresAt = Number.POSITIVE_INFINITY): void {
    this.entries.delete(key);
    for (const [oldest, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: Math.min(now + this.ttlMs, expiresAt) });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry `matches` accepts. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
