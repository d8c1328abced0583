// A retry budget (Finagle's and Envoy's idea): retries may add at most a share of the recent
// requests, with a small floor so a quiet client can still retry. When an upstream is down,
// every request failing, retries stop multiplying the load instead of tripling it.
import { RecentCounts } from './recent.js';

export class RetryBudget {
  readonly #recent: RecentCounts<'requests' | 'retries'>;

  constructor(
    private readonly percent: number,
    windowMs = 10_000,
    private readonly floor = 3,
    now: () => number = Date.now,
  ) {
    this.#recent = new RecentCounts(windowMs, now);
  }

  request(): void {
    this.#recent.add('requests');
  }

  /** Takes one retry from the budget, or says no. */
  tryRetry(): boolean {
    const allowed = Math.max(this.floor, (this.#recent.sum('requests') * this.percent) / 100);
    if (this.#recent.sum('retries') >= allowed) return false;
    this.#recent.add('retries');
    return true;
  }
}
