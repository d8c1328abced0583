#!/usr/bin/env node
// web: the main container. It serves what git-sync publishes, shows the config config-init
// fetched, counts visits through the Redis ambassador, and keeps JSON stats for the adapter.
import {
  closeServer,
  exitWithConfigError,
  listenHttp,
  packageVersion,
  Readiness,
  runService,
  sendJson,
  startOpsServer,
} from '@pod-patterns/kit';
import { Announcements } from './announcements.js';
import { createWebServer } from './app.js';
import { AppConfigError, AppConfigHolder } from './app-config.js';
import { envSchema } from './config.js';
import { ContentSource } from './content.js';
import { FileCache } from './file-cache.js';
import { readPodManifest } from './pod-manifest.js';
import { PodStatusReader, parseContainers } from './pod-status.js';
import { Stats } from './stats.js';
import { VisitCounter } from './visits.js';

const version = packageVersion(new URL('../package.json', import.meta.url));

await runService(
  {
    name: 'web',
    version,
    summary: 'the main container: serves the synced site and shows the pod at work',
    envSchema,
    preStopDelayMs: (config) => config.SHUTDOWN_DELAY,
    shutdownTimeoutMs: (config) => config.SHUTDOWN_TIMEOUT,
  },
  async ({ config, logger, lifecycle }) => {
    let appConfig: AppConfigHolder;
    try {
      appConfig = new AppConfigHolder(config.CONFIG_FILE, logger);
    } catch (error) {
      if (error instanceof AppConfigError) exitWithConfigError('web', error.message);
      throw error;
    }
    if (config.CONFIG_RELOAD) appConfig.watch();

    const startedAt = Date.now();
    const content = new ContentSource(config.CONTENT_DIR, config.CONTENT_SUBDIR);
    content.onChange((change) => logger.info(change, 'content revision changed'));
    content.watch();
    const visits = new VisitCounter(config.REDIS_URL, config.REDIS_TIMEOUT, logger);
    const stats = new Stats();
    const readiness = new Readiness(() => lifecycle.stopping);
    readiness.add('config', () => true); // loaded, or the process would have exited
    readiness.add('content', () => (content.current() ? true : `no content at ${config.CONTENT_DIR} yet`));
    const manifest = readPodManifest(config.POD_MANIFEST, config.POD_NAME);
    if (manifest.problem) logger.warn({ problem: manifest.problem }, '/_pod draws no picture of the pod');
    const podStatus = new PodStatusReader({
      appConfig,
      announcements: new Announcements(config.ANNOUNCEMENTS_URL || undefined, config.ANNOUNCEMENTS_TIMEOUT, logger),
      content,
      visits,
      containers: parseContainers(config.POD_CONTAINERS),
      pod: {
        name: config.POD_NAME,
        namespace: config.POD_NAMESPACE,
        node: config.NODE_NAME,
        runtime: config.POD_RUNTIME || (process.env.KUBERNETES_SERVICE_HOST ? 'kubernetes' : 'unknown'),
      },
      manifest,
      startedAt,
      stats,
    });

    const { server, feed } = createWebServer({
      appConfig,
      content,
      visits,
      stats,
      readiness,
      podStatus,
      manifest,
      logger,
      cache: new FileCache(config.FILE_CACHE_BYTES),
      cacheMaxAgeMs: config.CACHE_MAX_AGE,
    });
    const address = await listenHttp(server, { host: config.HOST, port: config.PORT });

    const statsServer = await startOpsServer({
      listen: config.STATS_LISTEN,
      readiness,
      logger,
      routes: {
        '/stats': async (_req, res) => {
          stats.markRead();
          const revision = content.current();
          sendJson(
            res,
            200,
            stats.snapshot({
              service: 'web',
              version,
              visits: visits.counted,
              redis_errors: visits.errors,
              content: {
                revision: revision?.sha ?? null,
                changes: content.changes,
                changed_at: content.lastChange?.at ?? null,
              },
              config: { version: appConfig.current.version, reloads: appConfig.reloads },
            }),
          );
        },
      },
    });

    lifecycle.onStop('redis', () => visits.close());
    lifecycle.onStop('watches', () => {
      appConfig.close();
      content.unwatch();
    });
    lifecycle.onStop('stats server', () => statsServer.close());
    lifecycle.onStop('http server', () => {
      feed.close(); // open dashboards' streams would hold the server open to the timeout
      return closeServer(server, config.SHUTDOWN_TIMEOUT);
    });
    logger.info(
      {
        port: address.port,
        statsPort: statsServer.address.port,
        content: config.CONTENT_DIR,
        config: appConfig.current.version,
      },
      'listening',
    );
  },
);
