// The one action /_pod can take: send a fixed number of requests to this app's own home page,
// paced, so the picture has traffic to show. Bounded three ways: a fixed count, a fixed rate,
// and at most one batch per interval for the whole process, whoever asks. It reaches nothing
// but this app's own port on loopback; nothing on the page stops, breaks or reconfigures.

export const BATCH = 20;
const PER_SECOND = 20;
const MIN_INTERVAL_MS = 10_000;

export type TrafficOutcome = { started: true; count: number } | { started: false; retryAfterSeconds: number };

export class TrafficSender {
  #lastStart = Number.NEGATIVE_INFINITY;
  /** Requests of the batch in flight, for tests and shutdown. */
  running: Promise<void> = Promise.resolve();

  constructor(private readonly homeUrl: () => string) {}

  send(): TrafficOutcome {
    const now = Date.now();
    const wait = this.#lastStart + MIN_INTERVAL_MS - now;
    if (wait > 0) return { started: false, retryAfterSeconds: Math.ceil(wait / 1000) };
    this.#lastStart = now;
    this.running = this.#batch();
    return { started: true, count: BATCH };
  }

  async #batch(): Promise<void> {
    for (let i = 0; i < BATCH; i++) {
      try {
        const res = await fetch(this.homeUrl(), { signal: AbortSignal.timeout(2000), redirect: 'manual' });
        await res.body?.cancel();
      } catch {
        // A failed request is what the picture shows; the batch goes on.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / PER_SECOND));
    }
  }
}
