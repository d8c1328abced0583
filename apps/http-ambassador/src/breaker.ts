// A circuit breaker per upstream (Envoy's outlier detection, in its simplest useful form). Closed:
// requests flow and outcomes are counted. It opens after N consecutive failures, or when failures
// reach a share of the last window's requests; open, it fails fast. After the cool-down it is
// half-open: one trial request at a time goes through, and its outcome closes or re-opens it.
import { RecentCounts } from './recent.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  consecutiveFailures: number;
  /** 0 turns the share rule off. */
  failurePercent: number;
  minRequests: number;
  windowMs: number;
  cooldownMs: number;
  now?: () => number;
  onTransition?: (to: BreakerState) => void;
}

export class Breaker {
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #trialInFlight = false;
  /** Requests and failures over the window. */
  readonly #recent: RecentCounts<'requests' | 'failures'>;
  readonly #options: BreakerOptions;
  readonly #now: () => number;

  constructor(options: BreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#recent = new RecentCounts(options.windowMs, this.#now);
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#options.cooldownMs) this.#moveTo('half_open');
    return this.#state;
  }

  /** Milliseconds until an open circuit lets a trial through (0 when not open). */
  get retryAfterMs(): number {
    return this.state === 'open' ? this.#options.cooldownMs - (this.#now() - this.#openedAt) : 0;
  }

  /** Whether a request may go to this upstream now; a yes in half-open is the one trial. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  record(failed: boolean): void {
    const now = this.#now();
    if (this.#state === 'half_open') {
      this.#trialInFlight = false;
      if (failed) this.#open(now);
      else this.#close();
      return;
    }
    if (this.#state === 'open') return; // a request that started before it opened
    this.#consecutive = failed ? this.#consecutive + 1 : 0;
    this.#recent.add('requests');
    if (failed) this.#recent.add('failures');
    const { consecutiveFailures, failurePercent, minRequests } = this.#options;
    const requests = this.#recent.sum('requests');
    const shareTripped =
      failed &&
      failurePercent > 0 &&
      requests >= minRequests &&
      this.#recent.sum('failures') * 100 >= failurePercent * requests;
    if (this.#consecutive >= consecutiveFailures || shareTripped) this.#open(now);
  }

  /** A trial that never ran (the request ended before reaching the upstream) frees its slot. */
  release(): void {
    if (this.#state === 'half_open') this.#trialInFlight = false;
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#trialInFlight = false;
    this.#moveTo('open');
  }

  #close(): void {
    this.#consecutive = 0;
    this.#recent.clear();
    this.#moveTo('closed');
  }

  #moveTo(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onTransition?.(state);
  }
}
