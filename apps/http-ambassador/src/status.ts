// The status document on the ops port (README, "Status document"): for each upstream, what the
// ambassador did for the app: requests answered, retries, failures, and its circuit with its
// last changes. Read from the same counters /metrics exposes, so the two never disagree.
import { Recent } from '@pod-patterns/kit';
import type { Breaker } from './breaker.js';
import type { BrokerMetrics } from './metrics.js';
import type { Upstream } from './upstreams.js';

export interface UpstreamStatus {
  name: string;
  url: string;
  circuit: string;
  requests: number;
  /** Answers of 500 and up, the upstream's own or the ambassador's 502/503/504. */
  failures: number;
  retries: number;
  circuit_changes: { at: string; to: string }[];
}

export class StatusDocument {
  readonly #changes = new Map<string, Recent<{ at: string; to: string }>>();

  constructor(
    private readonly upstreams: Upstream[],
    private readonly breakers: Map<string, Breaker>,
    private readonly metrics: BrokerMetrics,
  ) {}

  /** Called on each circuit transition. */
  circuitChanged(upstream: string, to: string): void {
    const changes = this.#changes.get(upstream) ?? new Recent<{ at: string; to: string }>(10);
    this.#changes.set(upstream, changes);
    changes.push({ at: new Date().toISOString(), to });
  }

  async read(): Promise<{ failed_fast: number; upstreams: UpstreamStatus[] }> {
    const [requests, retries] = await Promise.all([this.metrics.requests.get(), this.metrics.retries.get()]);
    const sum = (values: typeof requests.values, upstream: string, only: (code: number) => boolean = () => true) =>
      values
        .filter((v) => v.labels.upstream === upstream && only(Number(v.labels.code ?? 0)))
        .reduce((total, v) => total + v.value, 0);
    return {
      // Answered 503 at once because every upstream the request could use had its circuit open.
      failed_fast: sum(requests.values, 'none'),
      upstreams: this.upstreams.map((u) => ({
        name: u.name,
        url: u.url.origin,
        circuit: this.breakers.get(u.name)?.state ?? 'closed',
        requests: sum(requests.values, u.name),
        failures: sum(requests.values, u.name, (code) => code >= 500),
        retries: sum(retries.values, u.name),
        circuit_changes: this.#changes.get(u.name)?.items() ?? [],
      })),
    };
  }
}
