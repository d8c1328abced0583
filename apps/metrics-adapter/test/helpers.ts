import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode } from '@pod-patterns/testing';
import { parseMapping } from '../src/mapping.js';

export const entrypoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const webMapping = parseMapping(
  readFileSync(new URL('../mappings/web.yaml', import.meta.url), 'utf8'),
  'mappings/web.yaml',
);

/**
 * The /stats example documented in web's README, which the adapter's default mapping is written
 * against. A copy lives in test/fixtures so that these tests stand alone; web-contract.test.ts
 * holds the copy to web's README.
 */
export function webStatsExample(): unknown {
  return JSON.parse(readFileSync(new URL('fixtures/web-stats.json', import.meta.url), 'utf8'));
}

export interface Adapter extends Running {
  url: string;
}

export async function startAdapter(env: Record<string, string>, nodeArgs: string[] = []): Promise<Adapter> {
  const running = spawnNode(entrypoint, [], { env: { ADAPTER_LISTEN: '127.0.0.1:0', ...env }, nodeArgs });
  const line = await running.waitForLog('listening');
  return { ...running, url: `http://127.0.0.1:${line.port as number}` };
}

/** The value of one sample line, such as `web_up` or `x_total{route="site",status="200"}`. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
