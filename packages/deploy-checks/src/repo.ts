// Where things are in this repository, for every check.
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const path = (relative: string) => `${repoRoot}${relative}`;

/** The apps that ship as images, each with its config schema in apps/<name>/src/config.ts. */
export const APPS = [
  'config-init',
  'git-sync',
  'http-ambassador',
  'metrics-adapter',
  'redis-ambassador',
  'web',
] as const;
export type AppName = (typeof APPS)[number];

/** The image of one of our apps, as k8s/ and docker-compose.yml name it, or undefined for a third-party one. */
export function appOfImage(image: string): AppName | undefined {
  const match = /^ghcr\.io\/[^/]+\/pod-patterns-([a-z-]+)(:|@|$)/.exec(image);
  return APPS.find((app) => app === match?.[1]);
}
