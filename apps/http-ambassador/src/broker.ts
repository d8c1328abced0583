// One request from the app, brokered to an upstream: pick the upstream (by weight, sticky when
// asked, never one whose circuit is open), add the credentials, try with a per-try timeout,
// retry what is safe to retry within the budget and the total timeout, and pass the response on
// without hop-by-hop headers. http-proxy-3 builds and sends each upstream request (target URL,
// X-Forwarded-*, Host, agents, WebSocket upgrades); what it cannot know, what to do with the
// answer, is decided here (selfHandleResponse).
import type { Agent as HttpAgent, IncomingMessage, ServerResponse } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BodyTooLargeError, createBackoff, type Logger, parseRetryAfter, readBoundedBody } from '@pod-patterns/kit';
import { createProxyServer } from 'http-proxy-3';
import type { Breaker } from './breaker.js';
import type { BrokerMetrics } from './metrics.js';
import type { RetryBudget } from './retry-budget.js';
import { pickByWeight, type Sticky, stickyKey, stickyPoint, type Upstream } from './upstreams.js';

export interface BrokerOptions {
  upstreams: Upstream[];
  sticky: Sticky;
  breakers: Map<string, Breaker>;
  budget: RetryBudget;
  metrics: BrokerMetrics;
  logger: Logger;
  authorization?: () => string;
  agents: { http: HttpAgent; https: HttpsAgent };
  connectTimeoutMs: number;
  tryTimeoutMs: number;
  totalTimeoutMs: number;
  retries: number;
  backoffMs: number;
  backoffMaxMs: number;
  maxBodyBytes: number;
  maxResponseBytes: number;
}

// RFC 9110 7.6.1: meaningful for one connection only, never forwarded. (Upgrade is kept for ws.)
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const RETRYABLE_STATUS = new Set([502, 503, 504]);

type Outcome =
  | { kind: 'response'; response: IncomingMessage }
  | {
      kind: 'error';
      reason: 'connect_error' | 'reset' | 'timeout' | 'bad_response';
      message: string;
      reachedUpstream: boolean;
    };

/** The ambassador's own answer, told apart from an upstream's by `x-ambassador-error`. */
function fail(res: ServerResponse, status: number, error: string, message: string, extra: Record<string, string> = {}) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-ambassador-error': error,
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(`${JSON.stringify({ error, message })}\n`);
}

function withoutHopByHop(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const out = { ...headers };
  for (const name of [...HOP_BY_HOP, ...listed]) delete out[name];
  return out;
}

const EMPTY = Buffer.alloc(0);

/** Reads the request body into memory, or undefined (after answering 413) when it is too large. */
async function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | undefined> {
  // No Content-Length and no Transfer-Encoding: HTTP/1.1 says there is no body (RFC 9112 6.3).
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return EMPTY;
  try {
    // Drained, not destroyed, when too large: the client reads the 413 once it has sent the rest.
    return await readBoundedBody(req, limit, { contentLength: req.headers['content-length'], overLimit: 'drain' });
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    fail(res, 413, 'body_too_large', `request bodies are limited to ${limit} bytes (MAX_BODY_BYTES)`, {
      connection: 'close',
    });
    return undefined;
  }
}

export class Broker {
  readonly #options: BrokerOptions;
  readonly #proxy = createProxyServer({ xfwd: true, changeOrigin: true, selfHandleResponse: true });
  /** The try in progress for each request, so the proxy's events reach it. */
  readonly #tries = new WeakMap<IncomingMessage, Try>();

  constructor(options: BrokerOptions) {
    this.#options = options;
    this.#proxy.on('proxyReq', (proxyReq, req, _res, _options, socket) => this.#tries.get(req)?.sent(proxyReq, socket));
    this.#proxy.on('proxyRes', (response, req) => this.#tries.get(req)?.settle({ kind: 'response', response }));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const o = this.#options;
    const started = Date.now();
    const deadline = started + o.totalTimeoutMs;
    const method = req.method ?? 'GET';
    const body = await readBody(req, res, o.maxBodyBytes);
    if (!body) return this.#count('none', method, 413, started);

    req.headers = withoutHopByHop(req.headers);
    if (body.length > 0 || req.headers['content-length'] !== undefined)
      req.headers['content-length'] = String(body.length);
    if (o.authorization) req.headers.authorization = o.authorization();
    o.budget.request();

    const key = stickyKey(o.sticky, req.headers);
    const backoff = createBackoff({ initialMs: o.backoffMs, maxMs: o.backoffMaxMs, deadline });
    const failed = new Set<string>();
    let clientGone = false;
    res.on('close', () => {
      clientGone = !res.writableFinished;
    });
    for (let tries = 1; ; tries++) {
      const upstream = this.#choose(key, failed);
      if (!upstream) {
        const wait = Math.min(...o.upstreams.map((u) => o.breakers.get(u.name)?.retryAfterMs ?? 0));
        fail(res, 503, 'circuit_open', 'every upstream this request may use has its circuit open; failing fast', {
          'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
        });
        return this.#count('none', method, 503, started);
      }
      const breaker = o.breakers.get(upstream.name) as Breaker;
      const outcome = await this.#tryOnce(req, res, upstream, body, Math.min(o.tryTimeoutMs, deadline - Date.now()));
      const status = outcome.kind === 'response' ? (outcome.response.statusCode ?? 502) : undefined;
      const isFailure = outcome.kind === 'error' || (status !== undefined && status >= 500);
      if (outcome.kind === 'error' && !outcome.reachedUpstream && clientGone) breaker.release();
      else breaker.record(isFailure);

      const retryable =
        (outcome.kind === 'error' && outcome.reason !== 'bad_response') || RETRYABLE_STATUS.has(status ?? 0);
      if (retryable && !clientGone && IDEMPOTENT.has(method) && tries <= o.retries) {
        const retryAfter =
          outcome.kind === 'response'
            ? parseRetryAfter(String(outcome.response.headers['retry-after'] ?? ''))
            : undefined;
        const delay = retryAfter !== undefined && retryAfter > o.backoffMaxMs ? undefined : backoff.next(retryAfter);
        if (delay !== undefined && o.budget.tryRetry()) {
          if (outcome.kind === 'response') outcome.response.resume(); // drain it: the connection is reused
          o.metrics.retries.inc({
            upstream: upstream.name,
            reason: outcome.kind === 'error' ? outcome.reason : String(status),
          });
          if (key === undefined) failed.add(upstream.name);
          await sleep(delay);
          continue;
        }
      }
      if (clientGone) return;
      if (outcome.kind === 'error') {
        const code = outcome.reason === 'timeout' ? 504 : 502;
        fail(
          res,
          code,
          outcome.reason,
          `${upstream.name}: ${outcome.message} (${tries} ${tries === 1 ? 'try' : 'tries'})`,
          {
            'x-ambassador-upstream': upstream.name,
          },
        );
        return this.#count(upstream.name, method, code, started);
      }
      this.#deliver(outcome.response, res, upstream, tries, deadline);
      return this.#count(upstream.name, method, status ?? 502, started);
    }
  }

  /** WebSocket: the upgrade is passed through to the chosen upstream, credentials added. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const o = this.#options;
    const upstream = this.#choose(stickyKey(o.sticky, req.headers), new Set());
    if (!upstream)
      return void socket.end('HTTP/1.1 503 Service Unavailable\r\nx-ambassador-error: circuit_open\r\n\r\n');
    if (o.authorization) req.headers.authorization = o.authorization();
    const agent = upstream.url.protocol === 'https:' ? o.agents.https : o.agents.http;
    this.#proxy.ws(req, socket, head, { target: upstream.url, agent }, (error: Error) => {
      o.logger.warn({ upstream: upstream.name, error: error.message }, 'websocket upgrade failed');
      socket.destroy();
    });
  }

  close(): void {
    this.#proxy.close();
  }

  /** By weight among the upstreams whose circuit lets a request through; a sticky key pins one. */
  #choose(key: string | undefined, failed: Set<string>): Upstream | undefined {
    const { upstreams, breakers } = this.#options;
    if (key !== undefined) {
      const pinned = pickByWeight(upstreams, stickyPoint(key));
      return pinned && breakers.get(pinned.name)?.tryAcquire() ? pinned : undefined;
    }
    const fresh = upstreams.filter((u) => !failed.has(u.name));
    const pool = fresh.some((u) => u.weight > 0) ? fresh : upstreams;
    for (let left = pool.filter((u) => u.weight > 0); left.length > 0; ) {
      const pick = pickByWeight(left, Math.random()) as Upstream;
      if (breakers.get(pick.name)?.tryAcquire()) return pick;
      left = left.filter((u) => u !== pick);
    }
    return undefined;
  }

  #tryOnce(
    req: IncomingMessage,
    res: ServerResponse,
    upstream: Upstream,
    body: Buffer,
    timeoutMs: number,
  ): Promise<Outcome> {
    const o = this.#options;
    return new Promise((resolve) => {
      const attempt = new Try(resolve, o.connectTimeoutMs, Math.max(1, timeoutMs));
      this.#tries.set(req, attempt);
      this.#proxy.web(
        req,
        res,
        {
          target: upstream.url,
          agent: upstream.url.protocol === 'https:' ? o.agents.https : o.agents.http,
          buffer: Readable.from(body.length > 0 ? [body] : []),
        },
        (error: Error & { code?: string }) => attempt.settleError(error),
      );
    });
  }

  #deliver(response: IncomingMessage, res: ServerResponse, upstream: Upstream, tries: number, deadline: number): void {
    const { maxResponseBytes, authorization } = this.#options;
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > maxResponseBytes) {
      response.destroy();
      fail(
        res,
        502,
        'response_too_large',
        `${upstream.name} answered ${declared} bytes; MAX_RESPONSE_BYTES is ${maxResponseBytes}`,
      );
      return;
    }
    const headers = withoutHopByHop(response.headers);
    // A credential is never handed back to the app, even by an upstream that echoes it.
    const credential = authorization?.();
    if (credential)
      for (const [name, value] of Object.entries(headers))
        if (String(value).includes(credential.split(' ')[1] ?? credential)) delete headers[name];
    res.writeHead(response.statusCode ?? 502, response.statusMessage, {
      ...headers,
      'x-ambassador-upstream': upstream.name,
      'x-ambassador-tries': String(tries),
    });
    let size = 0;
    const cut = setTimeout(
      () => response.destroy(new Error('TOTAL_TIMEOUT passed during the response body')),
      Math.max(1, deadline - Date.now()),
    );
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxResponseBytes) response.destroy(new Error('response larger than MAX_RESPONSE_BYTES'));
    });
    response.on('error', (error) => {
      this.#options.logger.warn({ upstream: upstream.name, error: error.message }, 'response cut');
      res.destroy();
    });
    response.on('close', () => clearTimeout(cut));
    response.pipe(res);
  }

  #count(upstream: string, method: string, code: number, started: number): void {
    const { metrics } = this.#options;
    metrics.requests.inc({ upstream, method, code: String(code) });
    metrics.duration.observe({ upstream }, (Date.now() - started) / 1000);
  }
}

/** One try: settles once, with the upstream's response, or why there was none. */
class Try {
  #settled = false;
  #request: { destroy(error?: Error): void } | undefined;
  #connected = false;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly resolve: (outcome: Outcome) => void,
    private readonly connectTimeoutMs: number,
    tryTimeoutMs: number,
  ) {
    this.#timers.push(
      setTimeout(() => this.#abort('timeout', `no response within ${tryTimeoutMs} ms (TRY_TIMEOUT)`), tryTimeoutMs),
    );
  }

  sent(request: { destroy(error?: Error): void }, socket: Socket): void {
    this.#request = request;
    if (this.#settled) return void request.destroy(); // timed out before the socket was even assigned
    if (!socket.connecting) {
      this.#connected = true;
      return;
    }
    const timer = setTimeout(
      () => this.#abort('connect_error', `no connection within ${this.connectTimeoutMs} ms (CONNECT_TIMEOUT)`),
      this.connectTimeoutMs,
    );
    this.#timers.push(timer);
    socket.once(socket.constructor.name === 'TLSSocket' ? 'secureConnect' : 'connect', () => {
      this.#connected = true;
      clearTimeout(timer);
    });
  }

  settle(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.resolve(outcome);
  }

  settleError(error: Error & { code?: string }): void {
    const code = error.code ?? '';
    // The HTTP parser's codes (HPE_*): the upstream answered something that is not HTTP.
    if (code.startsWith('HPE_')) {
      this.settle({
        kind: 'error',
        reason: 'bad_response',
        message: `malformed response (${code})`,
        reachedUpstream: true,
      });
      return;
    }
    const reason = this.#connected ? 'reset' : 'connect_error';
    this.settle({ kind: 'error', reason, message: code || error.message, reachedUpstream: this.#connected });
  }

  #abort(reason: 'timeout' | 'connect_error', message: string): void {
    this.settle({ kind: 'error', reason, message, reachedUpstream: this.#connected });
    this.#request?.destroy();
  }
}
