// One run of the init container: check the sources, fetch them all (in parallel, one deadline),
// render and validate every one, and only then publish them together. Nothing is written
// unless the whole set is good.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '@pod-patterns/kit';
import { Agent } from 'undici';
import type { Config } from './config.js';
import { InitError } from './exit-codes.js';
import { fetchWithRetry } from './fetch-with-retry.js';
import { type Published, publishSet } from './publish.js';
import { render } from './render.js';
import { loadSources, type Source } from './sources.js';

export interface RunOptions {
  config: Config;
  logger: Logger;
  version: string;
  /** Aborted on SIGTERM. */
  signal: AbortSignal;
}

export async function run({ config, logger, version, signal }: RunOptions): Promise<Published> {
  const sources = loadSources(config);
  const dispatcher = createDispatcher(config);
  const failFast = new AbortController();
  const runSignal = AbortSignal.any([signal, failFast.signal, AbortSignal.timeout(config.CONFIG_DEADLINE)]);
  const deadline = Date.now() + config.CONFIG_DEADLINE;
  try {
    const rendered = await Promise.all(
      sources.map(async (source) => {
        try {
          const fetched = await fetchWithRetry(source.url, {
            logger,
            dispatcher,
            headers: requestHeaders(config, source, version),
            timeoutMs: config.CONFIG_TIMEOUT,
            maxBytes: config.CONFIG_MAX_BYTES,
            signal: runSignal,
            deadline,
            deadlineMs: config.CONFIG_DEADLINE,
            backoffInitialMs: config.CONFIG_BACKOFF_INITIAL,
            backoffMaxMs: config.CONFIG_BACKOFF_MAX,
          });
          return [basename(source.output), render(source, fetched)] as const;
        } catch (error) {
          // The first failure decides the outcome; the other sources stop at once.
          failFast.abort(error);
          throw error;
        }
      }),
    );
    const dir = dirname((sources[0] as Source).output);
    return await publishSet(dir, new Map(rendered), config.CONFIG_FILE_MODE);
  } finally {
    await dispatcher.close();
  }
}

function createDispatcher(config: Config): Agent {
  const read = (name: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new InitError('badConfig', `${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  return new Agent({
    connect: {
      timeout: config.CONFIG_TIMEOUT,
      ca: read('CONFIG_CA_FILE', config.CONFIG_CA_FILE),
      cert: read('CONFIG_CLIENT_CERT_FILE', config.CONFIG_CLIENT_CERT_FILE),
      key: read('CONFIG_CLIENT_KEY_FILE', config.CONFIG_CLIENT_KEY_FILE),
    },
  });
}

function requestHeaders(config: Config, source: Source, version: string): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json, application/yaml;q=0.9, */*;q=0.5',
    'user-agent': `pod-patterns-config-init/${version}`,
  };
  if (!source.credentials) return headers;
  if (config.CONFIG_BEARER_TOKEN) headers.authorization = `Bearer ${config.CONFIG_BEARER_TOKEN}`;
  if (config.CONFIG_USERNAME && config.CONFIG_PASSWORD) {
    const pair = Buffer.from(`${config.CONFIG_USERNAME}:${config.CONFIG_PASSWORD}`).toString('base64');
    headers.authorization = `Basic ${pair}`;
  }
  return headers;
}
