// web's whole environment, declared once: it parses, types and documents (--help).
import { bool, defineEnv, duration, integer, listen } from '@pod-patterns/kit';
import { z } from 'zod';

export const envSchema = defineEnv({
  HOST: z.string().prefault('0.0.0.0').describe('Address the site listens on; kubelet probes arrive on the pod IP.'),
  PORT: integer('Port of the site, /_pod, /healthz and /readyz.', 8080, 0, 65535),
  STATS_LISTEN: listen('Address of the pod-private /stats JSON that the metrics adapter reads.', '127.0.0.1:9000'),
  CONTENT_DIR: z
    .string()
    .prefault('/content/site')
    .describe(
      'The link git-sync publishes (`<root>/<link>`); it is watched and re-read the moment git-sync swaps it, so a new revision is served at once.',
    ),
  CONTENT_SUBDIR: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$)).*$/, 'expected a relative path without . or .. segments')
    .prefault('')
    .describe('A folder inside the repository to serve, such as `public`.'),
  CACHE_MAX_AGE: duration('Cache-Control max-age for site files.', '60s'),
  FILE_CACHE_BYTES: integer(
    'Memory for site files of the current revision (files up to 256 KiB; git-sync worktrees never change, so no revalidation). 0 turns it off.',
    32 * 1024 * 1024,
    0,
    4 * 1024 * 1024 * 1024,
  ),
  CONFIG_FILE: z
    .string()
    .prefault('/config/app.json')
    .describe('The config config-init wrote; the app does not start without a valid one.'),
  CONFIG_RELOAD: bool('Reload the config when the file changes; an invalid new file keeps the old config.', true),
  REDIS_URL: z
    .string()
    .prefault('redis://127.0.0.1:6379')
    .describe('Redis for the visit counter: the ambassador on localhost, which brokers the real servers.'),
  REDIS_TIMEOUT: duration('Timeout of each Redis command; a page never waits on Redis longer.', '250ms'),
  ANNOUNCEMENTS_URL: z
    .string()
    .prefault('http://127.0.0.1:8081/announcements.json')
    .describe('Announcements for /_pod, through the HTTP ambassador on localhost; empty turns them off.'),
  ANNOUNCEMENTS_TIMEOUT: duration('Bound on reading the announcements; /_pod never waits longer.', '1s'),
  POD_NAME: z.string().optional().describe('From the downward API (metadata.name), shown on /_pod.'),
  POD_NAMESPACE: z.string().optional().describe('From the downward API (metadata.namespace), shown on /_pod.'),
  NODE_NAME: z.string().optional().describe('From the downward API (spec.nodeName), shown on /_pod.'),
  POD_MANIFEST: z
    .string()
    .prefault('/etc/pod/pod.yaml')
    .describe(
      "The pod's own manifest, drawn on /_pod: a ConfigMap kustomize makes of it (k8s/), or the same file mounted by compose. Missing, /_pod says so and shows the rest.",
    ),
  POD_RUNTIME: z
    .enum(['kubernetes', 'compose', 'podrun', 'unknown', ''])
    .prefault('')
    .describe(
      "What runs the pod, for the commands /_pod's walkthroughs give; empty: kubernetes where the kubelet set KUBERNETES_SERVICE_HOST, else unknown (every runtime's commands).",
    ),
  POD_CONTAINERS: z
    .string()
    .prefault(
      'config-init:init,redis-ambassador:ambassador@http://127.0.0.1:9121/readyz,http-ambassador:ambassador@http://127.0.0.1:9181/healthz,git-sync:sidecar@http://127.0.0.1:8090/,metrics-adapter:adapter@http://127.0.0.1:9102/healthz,web:main',
    )
    .describe(
      'The containers of this pod for /_pod: `name:pattern[@health-url]`, comma-separated. Health URLs are polled on localhost.',
    ),
  SHUTDOWN_DELAY: duration(
    'After SIGTERM, keep serving this long (readiness already false) so endpoints drop the pod.',
    '5s',
  ),
  SHUTDOWN_TIMEOUT: duration('Bound on finishing in-flight requests after the delay.', '20s'),
});

export type Config = z.output<typeof envSchema>;
