// The app's own numbers, kept in its own JSON shape and served on the pod-private /stats. They are
// deliberately not Prometheus: translating them is the metrics adapter's job (the adapter
// pattern), and the app never learns Prometheus exists. The shape is documented in the README.

export type RouteClass = 'site' | 'dashboard' | 'probe';

/** Upper bounds of the latency buckets, in milliseconds (the adapter scales them to seconds). */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

export interface StatsDocument {
  service: string;
  version: string;
  start_time_seconds: number;
  requests: Record<string, Record<string, number>>;
  latency_ms: { buckets: { le: string; count: number }[]; sum: number; count: number };
  visits: number;
  redis_errors: number;
  content: { revision: string | null; changes: number; changed_at: string | null };
  config: { version: string; reloads: number };
}

export class Stats {
  readonly startTime = Date.now();
  readonly #requests: Record<string, Record<string, number>> = {};
  readonly #bucketCounts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  #latencySum = 0;
  #latencyCount = 0;
  #reads = 0;
  #lastReadAt: string | null = null;

  /** Who reads /stats is the metrics adapter: /_pod shows that it does, and when it last did. */
  markRead(): void {
    this.#reads += 1;
    this.#lastReadAt = new Date().toISOString();
  }

  get reads(): { count: number; last_at: string | null } {
    return { count: this.#reads, last_at: this.#lastReadAt };
  }

  observe(route: RouteClass, status: number, ms: number): void {
    const byStatus = this.#requests[route] ?? {};
    this.#requests[route] = byStatus;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    let bucket = LATENCY_BUCKETS_MS.findIndex((le) => ms <= le);
    if (bucket < 0) bucket = LATENCY_BUCKETS_MS.length;
    this.#bucketCounts[bucket] = (this.#bucketCounts[bucket] ?? 0) + 1;
    this.#latencySum += ms;
    this.#latencyCount += 1;
  }

  snapshot(live: Omit<StatsDocument, 'start_time_seconds' | 'requests' | 'latency_ms'>): StatsDocument {
    // Cumulative, in order, as Prometheus histograms are: each count includes the ones before.
    let cumulative = 0;
    const buckets = [...LATENCY_BUCKETS_MS.map(String), '+Inf'].map((le, i) => {
      cumulative += this.#bucketCounts[i] ?? 0;
      return { le, count: cumulative };
    });
    return {
      service: live.service,
      version: live.version,
      start_time_seconds: Math.floor(this.startTime / 1000),
      requests: structuredClone(this.#requests),
      latency_ms: { buckets, sum: Math.round(this.#latencySum * 1000) / 1000, count: this.#latencyCount },
      visits: live.visits,
      redis_errors: live.redis_errors,
      content: live.content,
      config: live.config,
    };
  }
}
