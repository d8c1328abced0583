// One request from the app, brokered to an upstream: pick the upstream (by weight, sticky when
// asked, never one whose circuit is open), add the credentials, try with a per-try timeout,
// retry what is safe to retry within the budget and the total timeout, and pass the response on
// without hop-by-hop headers. http-proxy-3 builds and sends each upstream request (target URL,
// X-Forwarded-*, Host, agents, WebSocket upgrades); what it cannot know, what to do with the
// answer, is decided here (selfHandleResponse).
//
// Every breaker slot taken is given back: a try ends in `record` (the upstream answered, or
// failed) or in `release` (the try says nothing about the upstream: the app went away, or the
// request could not be sent). A slot never given back would hold a half-open circuit forever.
import type { Agent as HttpAgent, IncomingMessage, ServerResponse } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Backoff, createBackoff, type Logger, parseRetryAfter } from '@pod-patterns/kit';
import { createProxyServer } from 'http-proxy-3';
import { Attempt, type Outcome } from './attempt.js';
import type { Breaker } from './breaker.js';
import { fail, isPathTarget, readBody, scrubCredential, withoutHopByHop } from './messages.js';
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

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** nginx's code for a request whose client closed the connection before the answer. */
const CLIENT_CLOSED = 499;

export class Broker {
  readonly #options: BrokerOptions;
  readonly #proxy = createProxyServer({ xfwd: true, changeOrigin: true, selfHandleResponse: true });
  /** The try in progress for each request, so the proxy's events reach it. */
  readonly #attempts = new WeakMap<IncomingMessage, Attempt>();

  constructor(options: BrokerOptions) {
    this.#options = options;
    const attempt = (req: IncomingMessage) => this.#attempts.get(req);
    this.#proxy.on('proxyReq', (proxyReq, req, _res, _options, socket) => attempt(req)?.sent(proxyReq, socket));
    this.#proxy.on('proxyRes', (response, req) => attempt(req)?.settle({ kind: 'response', response }));
    // When the app closes its connection mid-try, http-proxy-3 destroys the upstream request and
    // reports it here, not through the try's callback: without this the try would wait for
    // TRY_TIMEOUT and be counted as the upstream's timeout.
    this.#proxy.on('econnreset', (_error, req) => attempt(req)?.clientGone());
    // A credential is never handed back in a WebSocket's 101 either: scrubbed before
    // http-proxy-3 writes the upstream's headers to the app.
    this.#proxy.on('proxyReqWs', (proxyReq) =>
      proxyReq.prependListener('upgrade', (response: IncomingMessage) =>
        scrubCredential(response.headers, this.#options.authorization?.()),
      ),
    );
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const o = this.#options;
    const started = Date.now();
    const deadline = started + o.totalTimeoutMs;
    const method = req.method ?? 'GET';
    if (!isPathTarget(req.url)) {
      fail(res, 400, 'bad_target', 'only a path is proxied: the ambassador is the API, not a forward proxy');
      return this.#count('none', method, 400, started);
    }
    const body = await readBody(req, res, o.maxBodyBytes);
    if (!body) return this.#count('none', method, 413, started);

    req.headers = withoutHopByHop(req.headers);
    if (body.length > 0 || req.headers['content-length'] !== undefined)
      req.headers['content-length'] = String(body.length);
    if (o.authorization) req.headers.authorization = o.authorization();
    o.budget.request();

    const key = stickyKey(o.sticky, req.headers);
    let backoff: Backoff | undefined; // made on the first retry: most requests never need one
    const failed = new Set<string>();
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
      let outcome: Outcome;
      try {
        outcome = await this.#tryOnce(req, res, upstream, body, Math.min(o.tryTimeoutMs, deadline - Date.now()));
      } catch (error) {
        breaker.release(); // the request could not even be built: nothing was learnt of the upstream
        throw error;
      }
      if (outcome.kind === 'error' && outcome.reason === 'client_gone') {
        breaker.release();
        return this.#count(upstream.name, method, CLIENT_CLOSED, started);
      }
      const status = outcome.kind === 'response' ? (outcome.response.statusCode ?? 502) : undefined;
      breaker.record(outcome.kind === 'error' || (status !== undefined && status >= 500));

      const retryable =
        (outcome.kind === 'error' && outcome.reason !== 'bad_response') || RETRYABLE_STATUS.has(status ?? 0);
      if (retryable && IDEMPOTENT.has(method) && tries <= o.retries) {
        const retryAfter =
          outcome.kind === 'response'
            ? parseRetryAfter(String(outcome.response.headers['retry-after'] ?? ''))
            : undefined;
        backoff ??= createBackoff({ initialMs: o.backoffMs, maxMs: o.backoffMaxMs, deadline });
        const delay = retryAfter !== undefined && retryAfter > o.backoffMaxMs ? undefined : backoff.next(retryAfter);
        if (delay !== undefined && o.budget.tryRetry()) {
          if (outcome.kind === 'response') outcome.response.resume(); // drain it: the connection is reused
          o.metrics.retries.inc({
            upstream: upstream.name,
            reason: outcome.kind === 'error' ? outcome.reason : String(status),
          });
          if (key === undefined) failed.add(upstream.name);
          await sleep(delay);
          if (res.destroyed) return this.#count(upstream.name, method, CLIENT_CLOSED, started);
          continue;
        }
      }
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
    if (!isPathTarget(req.url)) return void socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    const upstream = this.#choose(stickyKey(o.sticky, req.headers), new Set());
    if (!upstream)
      return void socket.end('HTTP/1.1 503 Service Unavailable\r\nx-ambassador-error: circuit_open\r\n\r\n');
    // A long-lived tunnel is not a try: its slot is given back now, whatever becomes of it.
    o.breakers.get(upstream.name)?.release();
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
    return new Promise((resolve, reject) => {
      const attempt = new Attempt(resolve, o.connectTimeoutMs, Math.max(1, timeoutMs));
      this.#attempts.set(req, attempt);
      try {
        this.#proxy.web(
          req,
          res,
          {
            target: upstream.url,
            agent: upstream.url.protocol === 'https:' ? o.agents.https : o.agents.http,
            // A body is held, so that a retry can send it again. Without one (most calls), the
            // request itself is piped, already ended: a stream made per request cost about 15%
            // of the ambassador's CPU per request at saturation.
            ...(body.length > 0 ? { buffer: Readable.from([body]) } : {}),
          },
          (error: Error & { code?: string }) => attempt.settleError(error),
        );
      } catch (error) {
        attempt.cancel();
        reject(error);
      }
    });
  }

  #deliver(response: IncomingMessage, res: ServerResponse, upstream: Upstream, tries: number, deadline: number): void {
    const { maxResponseBytes, authorization, logger } = this.#options;
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
    scrubCredential(headers, authorization?.());
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
      logger.warn({ upstream: upstream.name, error: error.message }, 'response cut');
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
