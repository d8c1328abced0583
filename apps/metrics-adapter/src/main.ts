#!/usr/bin/env node
// metrics-adapter: the adapter. It reads the app's own JSON stats on the shared localhost and
// presents them to Prometheus; the app never learns Prometheus exists.
import { fileURLToPath } from 'node:url';
import {
  exitWithConfigError,
  packageVersion,
  Readiness,
  runService,
  sendJson,
  startOpsServer,
} from '@pod-patterns/kit';
import { envSchema } from './config.js';
import { negotiate, OwnMetrics, render } from './exposition.js';
import { type MappedMetric, mapDocument } from './map-document.js';
import { BUILT_IN_MAPPING, loadMapping, type Mapping, MappingError } from './mapping.js';
import { Source } from './source.js';
import { StatusDocument } from './status.js';

const version = packageVersion(new URL('../package.json', import.meta.url));

await runService(
  {
    name: 'metrics-adapter',
    version,
    summary: "exposes an app's own JSON stats as Prometheus metrics",
    envSchema,
    shutdownTimeoutMs: () => 5000,
  },
  async ({ config, logger, lifecycle }) => {
    const mappingFile = config.ADAPTER_MAPPING_FILE ?? fileURLToPath(BUILT_IN_MAPPING);
    let mapping: Mapping;
    try {
      mapping = loadMapping(mappingFile);
    } catch (error) {
      if (error instanceof MappingError) exitWithConfigError('metrics-adapter', error.message);
      throw error;
    }
    for (const warning of mapping.warnings) logger.warn({ file: mappingFile }, warning);

    const source = new Source({
      url: config.ADAPTER_SOURCE_URL,
      timeoutMs: config.ADAPTER_SOURCE_TIMEOUT,
      maxBytes: config.ADAPTER_SOURCE_MAX_BYTES,
      shape: { maxDepth: config.ADAPTER_SOURCE_MAX_DEPTH, maxValues: config.ADAPTER_SOURCE_MAX_VALUES },
      cacheTtlMs: config.ADAPTER_CACHE_TTL,
    });
    const own = new OwnMetrics(
      mapping.namespace,
      mapping.rules.map((r) => r.name),
    );
    const status = new StatusDocument(config.ADAPTER_SOURCE_URL, mapping.namespace);
    const readiness = new Readiness(() => lifecycle.stopping);
    readiness.add('mapping', () => true); // loaded, or the process would have exited

    const ops = await startOpsServer({
      listen: config.ADAPTER_LISTEN,
      readiness,
      logger,
      routes: {
        // An exporter answers 200 even when its source is down: `<ns>_up 0` says so.
        '/metrics': async (req, res) => {
          const format = negotiate(req);
          // The request to the source goes out first; the process metrics, which do not depend
          // on it, are collected and rendered while the source is answering.
          const fetching = source.get();
          const processText = own.renderProcess(format);
          const { result, fresh } = await fetching;
          if (fresh) own.fetched(result.seconds);
          let failure = result.ok ? undefined : { reason: result.reason, message: result.message };
          let mapped: MappedMetric[] = [];
          if (result.ok) {
            const outcome = mapDocument(mapping, result.document, config.ADAPTER_MAX_SERIES);
            if (outcome.tooManySeries) failure = { reason: 'too_many_series', message: outcome.tooManySeries };
            mapped = outcome.metrics;
            for (const miss of fresh ? outcome.misses : []) {
              own.miss(miss.rule);
              logger.warn(miss, 'mapping miss');
            }
          }
          if (failure && fresh) {
            own.error(failure.reason);
            logger.warn(
              { reason: failure.reason, error: failure.message, url: config.ADAPTER_SOURCE_URL },
              'source fetch failed',
            );
          }
          own.up(failure ? 0 : 1);
          const { contentType, body } = await render(own, mapped, format, processText);
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
          status.scraped({
            ok: !failure,
            error: failure?.message,
            from: req.socket.remoteAddress,
            document: result.ok ? result.document : undefined,
            body: typeof body === 'string' ? body : String(body),
          });
        },
        '/status': (_req, res) => sendJson(res, 200, status.read()),
      },
    });
    lifecycle.onStop('http server', () => ops.close(4000));
    logger.info(
      { port: ops.address.port, source: config.ADAPTER_SOURCE_URL, mapping: mappingFile, rules: mapping.rules.length },
      'listening',
    );
  },
);
