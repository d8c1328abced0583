// Announcements, read from the config API through the HTTP ambassador on 127.0.0.1:8081: web
// makes a plain local HTTP call and the ambassador owns the rest (the real address, retries, the
// circuit breaker). What the ambassador did is in its response headers, and /_pod shows it. When
// the ambassador or the API cannot answer, the page still renders and says why.
import { Readable } from 'node:stream';
import { BodyTooLargeError, type Logger, readBoundedBody } from '@pod-patterns/kit';

const CACHE_MS = 5000; // the dashboard refreshes every 3 s; the API need not hear of each one
const MAX_BYTES = 64 * 1024;

export type AnnouncementsStatus =
  | { ok: true; items: string[]; upstream: string | null; tries: number | null; fetched_at: string }
  | { ok: false; reason: string; fetched_at: string | null };

export class Announcements {
  #last: { at: number; value: Promise<AnnouncementsStatus> } | undefined;

  constructor(
    private readonly url: string | undefined,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  read(): Promise<AnnouncementsStatus> {
    if (!this.url)
      return Promise.resolve({ ok: false, reason: 'turned off (ANNOUNCEMENTS_URL is empty)', fetched_at: null });
    const now = Date.now();
    if (this.#last && now - this.#last.at < CACHE_MS) return this.#last.value;
    const value = this.#fetch(this.url);
    this.#last = { at: now, value };
    return value;
  }

  async #fetch(url: string): Promise<AnnouncementsStatus> {
    const fetched_at = new Date().toISOString();
    try {
      // Redirects are not followed: the ambassador is the pod's one way out, and a redirect to
      // another host would go around it (and its credentials, retries and breaker).
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        return { ok: false, reason: `HTTP ${res.status}: redirects are not followed`, fetched_at };
      }
      if (!res.ok) {
        await res.body?.cancel();
        // The ambassador's own failures say which in x-ambassador-error (circuit_open, timeout, ...).
        const why = res.headers.get('x-ambassador-error');
        return { ok: false, reason: `HTTP ${res.status}${why ? ` from the ambassador: ${why}` : ''}`, fetched_at };
      }
      const limit = { contentLength: res.headers.get('content-length') };
      const text = res.body ? (await readBoundedBody(Readable.fromWeb(res.body), MAX_BYTES, limit)).toString() : '';
      const body = JSON.parse(text) as { announcements?: unknown };
      if (!Array.isArray(body.announcements) || !body.announcements.every((a) => typeof a === 'string'))
        return { ok: false, reason: 'the answer has no "announcements" list of strings', fetched_at };
      const tries = res.headers.get('x-ambassador-tries');
      return {
        ok: true,
        items: body.announcements,
        upstream: res.headers.get('x-ambassador-upstream'),
        tries: tries === null ? null : Number(tries),
        fetched_at,
      };
    } catch (error) {
      if (error instanceof BodyTooLargeError) return { ok: false, reason: error.message, fetched_at };
      const cause = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
      this.logger.debug({ url, error: cause }, 'announcements unavailable');
      return { ok: false, reason: `the ambassador did not answer (${cause})`, fetched_at };
    }
  }
}
