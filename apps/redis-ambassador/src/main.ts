#!/usr/bin/env node
// redis-ambassador: the ambassador. The app talks to a plain Redis on 127.0.0.1:6379; this
// process owns everything about the real servers: which ones, sharding, credentials, TLS,
// health, and which commands are allowed.
import {
  exitWithConfigError,
  listenHttp,
  packageVersion,
  Readiness,
  rateLimited,
  readSecretFile,
  runService,
  sendJson,
  startOpsServer,
  watchMountedFile,
} from '@pod-patterns/kit';
import { Ambassador } from './ambassador.js';
import { readTls } from './backend.js';
import { SCRIPTING } from './commands.js';
import { envSchema } from './config.js';
import { AmbassadorMetrics } from './metrics.js';
import { loadServers, type ServerSpec } from './servers.js';
import { StatusDocument } from './status.js';

const version = packageVersion(new URL('../package.json', import.meta.url));

await runService(
  {
    name: 'redis-ambassador',
    version,
    summary: 'the app talks to plain Redis on localhost; the ambassador brokers the real servers',
    envSchema,
    shutdownTimeoutMs: (c) => c.SHUTDOWN_TIMEOUT + 2000,
  },
  async ({ config, logger, lifecycle }) => {
    let specs: ServerSpec[];
    let tls: ReturnType<typeof readTls>;
    try {
      specs = loadServers(config.REDIS_SERVERS, config.REDIS_SERVERS_FILE);
      tls = readTls(config);
    } catch (error) {
      exitWithConfigError('redis-ambassador', (error as Error).message);
    }
    const passwordFile = process.env.REDIS_PASSWORD_FILE;
    const credentials = () => ({
      username: config.REDIS_USERNAME,
      // Read at every connect: a rotated Secret takes effect on the next reconnect.
      password: passwordFile ? readSecretFile(passwordFile) : config.REDIS_PASSWORD,
    });

    let ambassador: Ambassador | undefined;
    const metrics = new AmbassadorMetrics(() =>
      Object.fromEntries((ambassador?.topology.pools ?? []).map((p) => [p.name, p.ejected()])),
    );
    const status = new StatusDocument(() => ambassador?.topology, metrics);
    // A server that keeps failing would log on every try: once per 5 s, with the count held back.
    const warnFailed = rateLimited(5000, (suppressed, server: string, reason: string) =>
      logger.warn({ server, reason, suppressed }, 'server failed'),
    );
    ambassador = new Ambassador(
      specs,
      {
        version,
        maxClients: config.AMBASSADOR_MAX_CLIENTS,
        deny: new Set([
          ...config.AMBASSADOR_DENY_COMMANDS.map((c) => c.toUpperCase()),
          ...(config.AMBASSADOR_ALLOW_SCRIPTING ? [] : SCRIPTING),
        ]),
        clientPassword: config.AMBASSADOR_CLIENT_PASSWORD,
        limits: { maxBulkBytes: config.AMBASSADOR_MAX_REQUEST_BYTES, maxArgs: 1024 * 1024, maxInlineBytes: 64 * 1024 },
        idleTimeoutMs: config.AMBASSADOR_CLIENT_IDLE_TIMEOUT,
        topology: {
          hash: config.REDIS_HASH,
          distribution: config.REDIS_DISTRIBUTION,
          hashTag: config.REDIS_HASH_TAG,
          timeoutMs: config.SERVER_TIMEOUT,
          failureLimit: config.SERVER_FAILURE_LIMIT,
          autoEject: config.AUTO_EJECT_HOSTS,
          retryMs: config.SERVER_RETRY_TIMEOUT,
          tls,
          credentials,
          onConnection: (pool, delta) => metrics.serverConnection(pool.name, delta),
          onFailure: (pool, reason, ejected) => {
            metrics.error('server');
            status.failed(pool.name, reason);
            if (ejected) {
              metrics.ejection(pool.name);
              ambassador?.topology.invalidate();
              logger.warn(
                { server: pool.name, reason, retryAt: new Date(pool.ejectedUntil).toISOString() },
                'server ejected',
              );
            } else {
              warnFailed(pool.name, reason);
            }
          },
        },
      },
      metrics,
      logger,
    );

    const reload = (why: string) => {
      if (!config.REDIS_SERVERS_FILE) return;
      try {
        ambassador?.reload(loadServers(undefined, config.REDIS_SERVERS_FILE));
      } catch (error) {
        logger.error({ why, error: (error as Error).message }, 'new server list refused; keeping the current one');
      }
    };
    if (config.REDIS_SERVERS_FILE) {
      const stopWatching = watchMountedFile(config.REDIS_SERVERS_FILE, () => reload('file changed'));
      lifecycle.onStop('servers file watch', stopWatching);
    }
    process.on('SIGHUP', () => reload('SIGHUP'));

    const readiness = new Readiness(() => lifecycle.stopping);
    readiness.add('servers', () => {
      const pools = ambassador?.topology.pools ?? [];
      return pools.some((p) => p.available() && !p.ejected()) || 'no server reachable';
    });
    const ops = await startOpsServer({
      listen: config.OPS_LISTEN,
      readiness,
      registry: metrics.registry,
      logger,
      routes: { '/status': (req, res) => sendJson(res, 200, status.read(req.url)) },
    });
    const address = await listenHttp(
      ambassador.server as unknown as import('node:http').Server,
      config.AMBASSADOR_LISTEN,
    );
    lifecycle.onStop('ops server', () => ops.close(2000));
    lifecycle.onStop('clients', () => ambassador?.drain(config.SHUTDOWN_TIMEOUT));
    logger.info(
      { port: address.port, opsPort: ops.address.port, servers: specs.map((s) => s.name), sharded: specs.length > 1 },
      'listening',
    );
  },
);
