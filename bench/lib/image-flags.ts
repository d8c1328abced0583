// The node flags an app's image runs it with, read from its Dockerfile's ENTRYPOINT, so a
// benchmark measures what ships (the ambassador's fixed semi-spaces, for one).
import { readFileSync } from 'node:fs';

export function imageNodeFlags(app: string): string[] {
  const dockerfile = readFileSync(new URL(`../../apps/${app}/Dockerfile`, import.meta.url), 'utf8');
  const line = dockerfile.split('\n').findLast((l) => l.startsWith('ENTRYPOINT '));
  if (!line) throw new Error(`apps/${app}/Dockerfile has no ENTRYPOINT`);
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  // ["node", ...flags, "apps/<app>/dist/main.js"], or the same after tini's ["tini", "--"].
  const node = argv.indexOf('node');
  return argv.slice(node + 1, -1);
}

export const ambassadorNodeFlags = () => imageNodeFlags('redis-ambassador');
