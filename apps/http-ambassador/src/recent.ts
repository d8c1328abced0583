// Counts over the last few seconds, in one-second buckets: constant time and memory per event
// however busy the ambassador is (a list of timestamps would be scanned on every request).

interface Bucket {
  second: number;
  counts: Record<string, number>;
}

export class RecentCounts<K extends string> {
  readonly #buckets: Bucket[];

  constructor(
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    const size = Math.max(1, Math.ceil(windowMs / 1000));
    this.#buckets = Array.from({ length: size }, () => ({ second: -1, counts: {} }));
  }

  add(key: K, n = 1): void {
    const second = Math.floor(this.now() / 1000);
    const bucket = this.#buckets[second % this.#buckets.length] as Bucket;
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.counts = {};
    }
    bucket.counts[key] = (bucket.counts[key] ?? 0) + n;
  }

  /** The count of `key` within the window. */
  sum(key: K): number {
    const oldest = Math.floor(this.now() / 1000) - this.#buckets.length;
    let total = 0;
    for (const bucket of this.#buckets) if (bucket.second > oldest) total += bucket.counts[key] ?? 0;
    return total;
  }

  clear(): void {
    for (const bucket of this.#buckets) bucket.second = -1;
  }
}
