#!/usr/bin/env node
// http-ambassador: the ambassador for HTTP APIs. The app calls http://127.0.0.1:8081/... as if the
// API were local and had no credentials, TLS or bad days; the ambassador brokers each call.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import {
  closeServer,
  createHttpServer,
  exitWithConfigError,
  guard,
  listenHttp,
  packageVersion,
  Readiness,
  runService,
  sendJson,
  startOpsServer,
} from '@pod-patterns/kit';
import { Breaker } from './breaker.js';
import { Broker } from './broker.js';
import { envSchema } from './config.js';
import { authorizationFrom, FileValue } from './credentials.js';
import { BrokerMetrics } from './metrics.js';
import { RetryBudget } from './retry-budget.js';
import { StatusDocument } from './status.js';

const version = packageVersion(new URL('../package.json', import.meta.url));

await runService(
  {
    name: 'http-ambassador',
    version,
    summary: 'brokers the app’s calls on 127.0.0.1 to an external HTTP API',
    envSchema,
    shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT,
  },
  async ({ config, logger, lifecycle }) => {
    // Every file is read now, so a bad path is a config error (exit 78), not a failed request later.
    const fileOr78 = <T>(what: string, read: () => T): T => {
      try {
        return read();
      } catch (error) {
        return exitWithConfigError('http-ambassador', `${what}: ${(error as Error).message}`);
      }
    };
    if (config.AUTH_BEARER_FILE && config.AUTH_BASIC_FILE)
      exitWithConfigError('http-ambassador', 'AUTH_BEARER_FILE and AUTH_BASIC_FILE: set one, not both');
    if (Boolean(config.TLS_CERT_FILE) !== Boolean(config.TLS_KEY_FILE))
      exitWithConfigError('http-ambassador', 'TLS_CERT_FILE and TLS_KEY_FILE go together (mTLS needs both)');
    const bearer = config.AUTH_BEARER_FILE
      ? fileOr78('AUTH_BEARER_FILE', () => new FileValue(config.AUTH_BEARER_FILE as string, logger))
      : undefined;
    const basic = config.AUTH_BASIC_FILE
      ? fileOr78('AUTH_BASIC_FILE', () => new FileValue(config.AUTH_BASIC_FILE as string, logger))
      : undefined;
    if (basic && !basic.value.includes(':'))
      exitWithConfigError('http-ambassador', 'AUTH_BASIC_FILE: expected user:password');
    const pem = (name: string, path: string | undefined) =>
      path ? fileOr78(name, () => readFileSync(path)) : undefined;
    const tls = {
      ca: pem('TLS_CA_FILE', config.TLS_CA_FILE),
      cert: pem('TLS_CERT_FILE', config.TLS_CERT_FILE),
      key: pem('TLS_KEY_FILE', config.TLS_KEY_FILE),
    };
    const agents = {
      http: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: 256, ...tls }),
    };

    const breakers = new Map<string, Breaker>();
    let metrics: BrokerMetrics | undefined;
    let status: StatusDocument | undefined;
    for (const upstream of config.UPSTREAMS) {
      const breaker = new Breaker({
        consecutiveFailures: config.BREAKER_FAILURES,
        failurePercent: config.BREAKER_FAILURE_PERCENT,
        minRequests: config.BREAKER_MIN_REQUESTS,
        windowMs: 10_000,
        cooldownMs: config.BREAKER_COOLDOWN,
        onTransition: (to) => {
          metrics?.transitions.inc({ upstream: upstream.name, to });
          status?.circuitChanged(upstream.name, to);
          logger.warn({ upstream: upstream.name, state: to }, `circuit ${to.replace('_', '-')}`);
        },
      });
      breakers.set(upstream.name, breaker);
    }
    const states = () => Object.fromEntries([...breakers].map(([name, b]) => [name, b.state]));
    metrics = new BrokerMetrics(states);
    status = new StatusDocument(config.UPSTREAMS, breakers, metrics);
    const statusDocument = status;

    const broker = new Broker({
      upstreams: config.UPSTREAMS,
      sticky: config.STICKY,
      breakers,
      budget: new RetryBudget(config.RETRY_BUDGET_PERCENT),
      metrics,
      logger,
      authorization: authorizationFrom(bearer, basic),
      agents,
      connectTimeoutMs: config.CONNECT_TIMEOUT,
      tryTimeoutMs: config.TRY_TIMEOUT,
      totalTimeoutMs: config.TOTAL_TIMEOUT,
      retries: config.RETRIES,
      backoffMs: config.RETRY_BACKOFF,
      backoffMaxMs: config.RETRY_BACKOFF_MAX,
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxResponseBytes: config.MAX_RESPONSE_BYTES,
    });

    // The kit's server: a request that throws inside the broker is answered 500, never fatal.
    const server = createHttpServer((req, res) => broker.handle(req, res), logger);
    server.on('upgrade', (req, socket: Socket, head: Buffer) =>
      guard(() => broker.upgrade(req, socket, head), socket, logger, req.url),
    );

    const readiness = new Readiness(() => lifecycle.stopping);
    readiness.add('upstreams', () => {
      const open = Object.values(states()).filter((s) => s === 'open').length;
      return open < breakers.size;
    });
    const ops = await startOpsServer({
      listen: config.OPS_LISTEN,
      readiness,
      registry: metrics.registry,
      logger,
      routes: { '/status': async (_req, res) => sendJson(res, 200, await statusDocument.read()) },
    });
    const address = await listenHttp(server, config.AMBASSADOR_LISTEN);
    logger.info(
      {
        port: address.port,
        opsPort: ops.address.port,
        upstreams: config.UPSTREAMS.map((u) => `${u.name}=${u.url.origin} (${u.weight})`),
        sticky: config.STICKY.kind,
      },
      'listening',
    );

    lifecycle.onStop('listener', async () => {
      await closeServer(server, config.SHUTDOWN_TIMEOUT);
      broker.close();
      agents.http.destroy();
      agents.https.destroy();
    });
    lifecycle.onStop('ops', () => ops.close());
  },
);
