// Fetching the source document: once per scrape, shared by scrapes that arrive while a fetch
// is under way, bounded in time and size, and never thrown: a failure is a result with a reason
// (a low-cardinality label for adapter_source_errors_total). undici's request() is used rather
// than fetch(): it is the same client with less per-request work, and its body is a Node stream.
import { BodyTooLargeError, readBoundedBody } from '@pod-patterns/kit';
import { type Dispatcher, request } from 'undici';
import { type ShapeLimits, shapeProblem } from './document-shape.js';

export const ERROR_REASONS = [
  'timeout',
  'network',
  'http_status',
  'too_large',
  'too_complex',
  'invalid_json',
  'too_many_series',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export type SourceResult =
  | { ok: true; document: unknown; seconds: number }
  | { ok: false; reason: ErrorReason; message: string; seconds: number };

export interface SourceOptions {
  url: string;
  timeoutMs: number;
  maxBytes: number;
  /** Bounds on nesting and values, checked before the document is parsed. */
  shape: ShapeLimits;
  /** Serve the last good result for this long; 0 fetches every time. */
  cacheTtlMs: number;
}

export class Source {
  #inflight: Promise<SourceResult> | undefined;
  #cached: { at: number; result: SourceResult } | undefined;

  constructor(private readonly options: SourceOptions) {}

  /** The document for this scrape; `fresh` is false when another scrape's fetch or the cache answered. */
  async get(): Promise<{ result: SourceResult; fresh: boolean }> {
    if (this.#cached && Date.now() - this.#cached.at < this.options.cacheTtlMs)
      return { result: this.#cached.result, fresh: false };
    if (this.#inflight) return { result: await this.#inflight, fresh: false };
    this.#inflight = this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    const result = await this.#inflight;
    if (result.ok && this.options.cacheTtlMs > 0) this.#cached = { at: Date.now(), result };
    return { result, fresh: true };
  }

  async #fetch(): Promise<SourceResult> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const fail = (reason: ErrorReason, message: string): SourceResult => ({
      ok: false,
      reason,
      message,
      seconds: seconds(),
    });
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.options.url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      return classify(error, fail, this.options.timeoutMs);
    }
    const { statusCode, headers, body } = response;
    try {
      if (statusCode < 200 || statusCode >= 300) {
        await body.dump();
        return fail('http_status', `HTTP ${statusCode}`);
      }
      const text = await readBoundedBody(body, this.options.maxBytes, {
        contentLength: headers['content-length'] as string | undefined,
      });
      const problem = shapeProblem(text, this.options.shape);
      if (problem) return fail('too_complex', problem);
      try {
        return { ok: true, document: JSON.parse(text.toString('utf8')), seconds: seconds() };
      } catch (error) {
        return fail('invalid_json', (error as Error).message);
      }
    } catch (error) {
      return classify(error, fail, this.options.timeoutMs);
    }
  }
}

function classify(error: unknown, fail: (r: ErrorReason, m: string) => SourceResult, timeoutMs: number): SourceResult {
  if (error instanceof BodyTooLargeError) return fail('too_large', error.message);
  const err = error as Error & { cause?: Error; code?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return fail('timeout', `no answer within ${timeoutMs}ms`);
  return fail('network', [err.code, err.cause?.message ?? err.message].filter(Boolean).join(' '));
}
