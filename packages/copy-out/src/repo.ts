// Where the pieces of a copy come from in this repository.
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fromRepo = (relative: string) => `${repoRoot}${relative}`;

/**
 * Each app, and the pattern Pod (k8s/patterns/<pattern>/pod.yaml) whose container spec its copy
 * carries. web is the app container of every pattern; the init Pod is the smallest of them.
 */
export const PATTERN_OF = {
  'config-init': 'init',
  'git-sync': 'sidecar',
  'http-ambassador': 'ambassador',
  'metrics-adapter': 'adapter',
  'redis-ambassador': 'ambassador',
  web: 'init',
} as const;
export type AppName = keyof typeof PATTERN_OF;
export const APPS = Object.keys(PATTERN_OF) as AppName[];
export const isApp = (name: string): name is AppName => Object.hasOwn(PATTERN_OF, name);
