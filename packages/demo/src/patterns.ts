// `npm run demo -- --pattern <p>`: one of k8s/patterns' small Pods instead of the demo pod, the
// unit a teacher shows first. init, sidecar and adapter need nothing outside themselves (config
// from a ConfigMap, a repository seeded by an init container, web's own stats); the ambassador
// Pod talks to one Redis and one HTTP API, which run here under its Service names.
import { type Outside, startOutside } from './outside.js';

export const PATTERNS = ['init', 'sidecar', 'adapter', 'ambassador'] as const;
export type Pattern = (typeof PATTERNS)[number];
export const isPattern = (name: string): name is Pattern => (PATTERNS as readonly string[]).includes(name);

/** What to try in each Pod, said when it is ready. */
export const TRY: Record<Pattern, string> = {
  init: 'config-init ran to completion before web started: /_pod shows the config it fetched and validated',
  sidecar: 'git-sync publishes the repository its seed init container made: /_pod shows the revision web serves',
  adapter: 'curl <pod address>:9102/metrics: web’s own /stats as Prometheus metrics (web_http_requests_total, ...)',
  ambassador:
    'reload the page: visits count through redis-ambassador on 127.0.0.1:6379, announcements come through http-ambassador on 127.0.0.1:8081',
};

/** The outside systems a pattern Pod needs, with podrun's --host mappings for its Service names. */
export async function outsideFor(
  pattern: Pattern,
): Promise<{ hosts: string[]; stop(): Promise<void>; systems?: Outside }> {
  if (pattern !== 'ambassador') return { hosts: [], stop: async () => {} };
  const outside: Outside = await startOutside({ redisPassword: false });
  const renamed = outside.hosts
    .filter((h) => h.startsWith('redis-0.redis:') || h.startsWith('config-api:'))
    .map((h) => h.replace(/^redis-0\.redis:/, 'pattern-redis:').replace(/^config-api:/, 'pattern-api:'));
  // Its one Redis is the demo's redis-0; only what the Pod uses is kept.
  return { hosts: renamed, stop: () => outside.stop(), systems: { ...outside, redis: outside.redis.slice(0, 1) } };
}
