// One run of the init container: check the sources, fetch them all (in parallel, one deadline),
// render and validate every one, and only then publish them together. Nothing is written
// unless the whole set is good.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '@pod-patterns/kit';
import { Agent } from 'undici';
import type { Config } from './config.js';
import { InitError } from './exit-codes.js';
import { displayUrl } from './fetch-once.js';
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

/** The status document's name, beside the config files (never a source's own output). */
export const STATUS_FILE = 'config-init-status.json';

interface SourceReport {
  url: string;
  file: string;
  attempts: number;
  status: number;
  bytes: number;
}

export async function run({ config, logger, version, signal }: RunOptions): Promise<Published> {
  const sources = loadSources(config);
  if (sources.some((s) => basename(s.output) === STATUS_FILE))
    throw new InitError(
      'badConfig',
      `${STATUS_FILE} is the name of config-init's own status file: choose another output`,
    );
  const dispatcher = createDispatcher(config);
  const failFast = new AbortController();
  const runSignal = AbortSignal.any([signal, failFast.signal, AbortSignal.timeout(config.CONFIG_DEADLINE)]);
  const deadline = Date.now() + config.CONFIG_DEADLINE;
  const reports: SourceReport[] = [];
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
          reports.push({
            url: displayUrl(source.url),
            file: basename(source.output),
            attempts: fetched.attempts,
            status: fetched.status,
            bytes: fetched.body.length,
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
    // The init container's status document, published with the files it describes: it exits,
    // so this file is how web's /_pod learns what it did (README, "Status document").
    const status = { fetched_at: new Date().toISOString(), version, sources: reports };
    const files = new Map([...rendered, [STATUS_FILE, Buffer.from(`${JSON.stringify(status, null, 2)}\n`)] as const]);
    return await publishSet(dir, files, config.CONFIG_FILE_MODE);
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
