// The visit counter, kept in Redis through the ambassador on localhost. Only single-key commands
// are used (INCRBY, GET), because the ambassador may shard. Counting never delays a page: views
// are added up in memory and flushed every `flushMs` as one pipeline of INCRBYs (and once more
// on shutdown), which fails fast while Redis is away and resumes when it comes back.
import { type Logger, rateLimited } from '@pod-patterns/kit';
import { Redis } from 'ioredis';

export const TOTAL_KEY = 'visits:total';
export const pageKey = (path: string) => `visits:page:${path}`;

/** Keys remembered for /_pod's key -> shard picture; the first ones written, the rest left out. */
const MAX_TRACKED_KEYS = 32;

/** What this process wrote to one key: increments that landed, and those that failed. */
export interface KeyWrites {
  key: string;
  written: number;
  failed: number;
}

export type VisitTotals = { ok: true; total: number; home: number } | { ok: false; reason: string };

export class VisitCounter {
  readonly #redis: Redis;
  readonly #pending = new Map<string, number>();
  #pendingViews = 0;
  #flushTimer: NodeJS.Timeout | undefined;
  #counted = 0;
  #errors = 0;
  #lastError: string | undefined;
  readonly #byKey = new Map<string, KeyWrites>();
  /** Logged at most once per interval, with how many were not logged. */
  readonly #warnUnavailable: (error: Error) => void;

  constructor(
    url: string,
    timeoutMs: number,
    private readonly logger: Logger,
    private readonly flushMs = 100,
    logEveryMs = 10_000,
  ) {
    this.#redis = new Redis(url, {
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(timeoutMs, 1000),
      enableOfflineQueue: false, // while Redis is away, fail at once instead of queueing
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(5000, 100 * 2 ** Math.min(times, 6)) * (0.5 + Math.random() / 2),
      lazyConnect: false,
    });
    this.#warnUnavailable = rateLimited(logEveryMs, (suppressed, error: Error) =>
      this.logger.warn({ error: error.message, suppressed, errors: this.#errors }, 'redis unavailable'),
    );
    // Connection errors repeat on every reconnect attempt: logged (rate-limited), not counted.
    this.#redis.on('error', (error: Error) => this.#recordError(error));
    this.#redis.on('ready', () => {
      if (this.#lastError) this.logger.info({ after: this.#lastError }, 'redis available again');
      this.#lastError = undefined;
    });
  }

  /** Counts one page view; never throws, never waits. */
  count(path: string): void {
    this.#pending.set(path, (this.#pending.get(path) ?? 0) + 1);
    this.#pendingViews += 1;
    this.#flushTimer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Sends the views counted so far; on failure they are counted as errors, not retried. */
  async flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const views = this.#pendingViews;
    if (views === 0) return;
    const pages = [...this.#pending];
    this.#pending.clear();
    this.#pendingViews = 0;
    if (this.#redis.status !== 'ready') {
      this.#errors += views;
      this.#recordError(new Error(this.#notReady()));
      return;
    }
    const writes: [string, number][] = [
      [TOTAL_KEY, views],
      ...pages.map(([path, n]) => [pageKey(path), n] as [string, number]),
    ];
    const pipeline = this.#redis.pipeline();
    for (const [key, n] of writes) pipeline.incrby(key, n);
    try {
      const results = (await pipeline.exec()) ?? [];
      // Each key may live on another shard: each lands or fails on its own.
      for (const [i, [key, n]] of writes.entries()) this.#track(key, n, !results[i]?.[0]);
      const failed = results.find(([error]) => error)?.[0];
      if (failed) throw failed;
      this.#counted += views;
    } catch (error) {
      this.#errors += views;
      this.#recordError(error as Error);
    }
  }

  /** The keys this process wrote, with what landed and what failed: /_pod maps them to shards. */
  keyWrites(): KeyWrites[] {
    return [...this.#byKey.values()].map((k) => ({ ...k }));
  }

  #track(key: string, n: number, ok: boolean): void {
    let entry = this.#byKey.get(key);
    if (!entry) {
      if (this.#byKey.size >= MAX_TRACKED_KEYS) return;
      entry = { key, written: 0, failed: 0 };
      this.#byKey.set(key, entry);
    }
    if (ok) entry.written += n;
    else entry.failed += n;
  }

  async totals(): Promise<VisitTotals> {
    if (this.#redis.status !== 'ready') return { ok: false, reason: this.#notReady() };
    try {
      const [total, home] = await Promise.all([this.#redis.get(TOTAL_KEY), this.#redis.get(pageKey('/'))]);
      return { ok: true, total: Number(total ?? 0), home: Number(home ?? 0) };
    } catch (error) {
      this.#errors += 1;
      this.#recordError(error as Error);
      return { ok: false, reason: (error as Error).message };
    }
  }

  /** Page views this process counted in Redis. */
  get counted(): number {
    return this.#counted;
  }

  /** Page views that could not be counted, and reads that did not answer. */
  get errors(): number {
    return this.#errors;
  }

  async close(): Promise<void> {
    await this.flush();
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  #notReady(): string {
    return this.#lastError ?? `not connected (${this.#redis.status})`;
  }

  #recordError(error: Error): void {
    this.#lastError = error.message;
    this.#warnUnavailable(error);
  }
}
