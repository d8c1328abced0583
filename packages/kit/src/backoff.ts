// Retry delays: capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential
// Backoff And Jitter"), so a fleet of restarting pods does not hammer a server in lockstep.
// An overall deadline bounds the whole effort; a server's Retry-After is a floor, not a hint.

export interface BackoffOptions {
  /** First delay's ceiling. */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** Growth per attempt; 2 doubles. */
  factor?: number;
  /** Absolute time (ms since epoch) after which no retry starts; none when omitted. */
  deadline?: number;
  /** Source of randomness in [0, 1); tests pass a fixed one. */
  random?: () => number;
  now?: () => number;
}

export interface Backoff {
  /**
   * The delay before the next attempt, or undefined when no retry fits before the deadline.
   * `retryAfterMs`, from a server's Retry-After, is honoured as the minimum wait.
   */
  next(retryAfterMs?: number): number | undefined;
  /** Attempts handed out since the last reset. */
  readonly attempt: number;
  reset(): void;
}

export function createBackoff(options: BackoffOptions): Backoff {
  const { initialMs, maxMs, factor = 2, deadline, random = Math.random, now = Date.now } = options;
  let attempt = 0;
  return {
    next(retryAfterMs) {
      const ceiling = Math.min(maxMs, initialMs * factor ** attempt);
      attempt += 1;
      let delay = Math.floor(random() * ceiling);
      if (retryAfterMs !== undefined && retryAfterMs > delay) delay = retryAfterMs;
      if (deadline !== undefined && now() + delay >= deadline) return undefined;
      return delay;
    },
    get attempt() {
      return attempt;
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Reads an HTTP Retry-After header (seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
