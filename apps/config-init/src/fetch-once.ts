// One attempt at one source, sorted into what the retry loop needs to know: the body, or an
// error that says whether trying again can help.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BodyTooLargeError, parseRetryAfter, readBoundedBody } from '@pod-patterns/kit';
import { type Dispatcher, request } from 'undici';
import type { FailureKind } from './exit-codes.js';

export interface Fetched {
  body: Buffer;
  contentType: string | undefined;
  status: number;
}

export interface AttemptOptions {
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
}

/** Why an attempt failed; `retry` means a later attempt may succeed. */
export class AttemptError extends Error {
  constructor(
    readonly outcome: 'retry' | Extract<FailureKind, 'rejected' | 'invalidContent'>,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The URL as logs may show it: no credentials, no query string (tokens hide there). */
export function displayUrl(url: URL): string {
  return `${url.protocol === 'file:' ? 'file://' : url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

export function fetchOnce(url: URL, options: AttemptOptions): Promise<Fetched> {
  return url.protocol === 'file:' ? readFileSource(url, options.maxBytes) : fetchHttp(url, options);
}

const RETRYABLE_STATUS = new Set([408, 429]);
// Errors that a later attempt cannot fix: the certificate will not become trusted by waiting.
const TLS_REJECTIONS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME_MISMATCH/;

async function fetchHttp(url: URL, options: AttemptOptions): Promise<Fetched> {
  // One timer bounds the whole attempt (connect, headers, body); undici's own timeouts are
  // only accurate to about a second.
  const attempt = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  const networkError = (error: unknown) => toAttemptError(error, options);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: 'GET',
      headers: options.headers,
      dispatcher: options.dispatcher,
      signal: attempt,
    });
  } catch (error) {
    throw networkError(error);
  }
  const { statusCode: status, headers, body } = response;
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };

  if (status < 200 || status >= 300) {
    await body.dump().catch(() => {});
    if (status >= 500 || RETRYABLE_STATUS.has(status)) {
      throw new AttemptError('retry', `HTTP ${status}`, status, parseRetryAfter(header('retry-after')));
    }
    if (status >= 300 && status < 400) {
      const location = header('location');
      throw new AttemptError(
        'rejected',
        `HTTP ${status}: redirected${location ? ` to ${location}` : ''}; set the final URL`,
        status,
      );
    }
    throw new AttemptError('rejected', `HTTP ${status}: the server refused the request`, status);
  }

  try {
    const fetched = await readBoundedBody(body, options.maxBytes, { contentLength: header('content-length') });
    return { body: fetched, contentType: header('content-type'), status };
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new AttemptError('invalidContent', `${error.message} (CONFIG_MAX_BYTES)`, status);
    throw networkError(error);
  }
}

function toAttemptError(error: unknown, options: AttemptOptions): AttemptError {
  // The run was stopped (deadline, signal, another source failed): not this attempt's to report.
  if (options.signal.aborted) throw error;
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    return new AttemptError('retry', `no complete answer within CONFIG_TIMEOUT (${options.timeoutMs}ms)`);
  }
  const code = err.code ?? err.cause?.code ?? '';
  const detail = [code, err.message ?? String(error)].filter(Boolean).join(' ');
  if (TLS_REJECTIONS.test(code)) {
    return new AttemptError('rejected', `TLS: ${detail} (is CONFIG_CA_FILE right?)`);
  }
  return new AttemptError('retry', detail);
}

async function readFileSource(url: URL, maxBytes: number): Promise<Fetched> {
  const path = fileURLToPath(url);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AttemptError('rejected', `${path} is not a regular file`);
    if (info.size > maxBytes) {
      throw new AttemptError('invalidContent', `file is ${info.size} bytes, over CONFIG_MAX_BYTES (${maxBytes})`);
    }
    return { body: await readFile(path), contentType: undefined, status: 200 };
  } catch (error) {
    if (error instanceof AttemptError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AttemptError('rejected', `cannot read ${path}: ${code ?? (error as Error).message}`);
  }
}
