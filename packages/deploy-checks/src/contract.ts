// The contract between the manifests (and docker-compose.yml) and the apps: every variable set
// for one of our images is one its schema declares, with a value it accepts; every path and
// address an app reads is set explicitly; and the containers of one pod agree with each other
// (web reads what config-init writes and git-sync publishes, and so on).
import { ConfigError, type EnvSchema, loadEnv } from '@pod-patterns/kit';
import { z } from 'zod';
import { APPS, type AppName, path } from './repo.js';

/** One container of one of our apps, from a manifest or from docker-compose.yml. */
export interface ContainerView {
  name: string;
  app: AppName;
  env: Record<string, string>;
  /** Mount paths, with the volume (or host path) each comes from. */
  mounts: { path: string; volume: string; readOnly: boolean }[];
  ports: number[];
}

export async function loadSchemas(): Promise<Record<AppName, EnvSchema>> {
  const entries = await Promise.all(
    APPS.map(async (app) => [app, (await import(path(`apps/${app}/src/config.ts`))).envSchema as EnvSchema] as const),
  );
  return Object.fromEntries(entries) as Record<AppName, EnvSchema>;
}

/** Variables read by Node or git themselves, not by the app's schema, that a manifest may set. */
const PROCESS_VARIABLES = new Set(['NODE_OPTIONS']);
/** Paths and addresses: these must be set explicitly, so the manifest shows the whole contract. */
const PATH_OR_ADDRESS = /(_URL|_LISTEN|_BIND|_DIR|_FILE|_ROOT|_OUTPUT|_PATH)$|^(HOST|PORT)$/;
/** Read only for a feature the demo does not use, so their defaults need not be spelled out. */
const UNUSED_FEATURE = new Set(['GITSYNC_SSH_KNOWN_HOSTS_FILE', 'GITSYNC_TRIGGER_BIND']);
const SECRET_STAND_IN = path('packages/deploy-checks/placeholder-secret');
/** Paths an app may read outside its volumes: inside its own image, or given by the kubelet. */
const IMAGE_PATHS = ['/app/', '/dev/termination-log'];

/** What is wrong with the variables `c` sets, by its app's schema. */
export function envProblems(c: ContainerView, schema: EnvSchema): string[] {
  const declared = new Set(Object.keys(schema.shape));
  const problems: string[] = [];
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.env)) {
    const base = name.endsWith('_FILE') && !declared.has(name) ? name.slice(0, -5) : undefined;
    if (base !== undefined && declared.has(base)) continue; // NAME_FILE: a mounted secret, checked by path below
    if (!declared.has(name) && !PROCESS_VARIABLES.has(name)) {
      problems.push(`${c.name}: ${name} is not a variable of ${c.app} (see apps/${c.app}/README.md)`);
      continue;
    }
    input[name] = value;
  }
  // A secret given as a file is read from a stand-in: its real file exists only in the pod.
  for (const name of Object.keys(c.env)) {
    const base = name.slice(0, -5);
    if (name.endsWith('_FILE') && declared.has(base) && !declared.has(name)) input[`${base}_FILE`] = SECRET_STAND_IN;
  }
  try {
    loadEnv(schema, input);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => `${c.name}: ${p}`));
  }
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { default?: unknown }>;
    required?: string[];
  };
  for (const [name, field] of Object.entries(json.properties)) {
    const hasDefault = field.default !== undefined || json.required?.includes(name);
    if (PATH_OR_ADDRESS.test(name) && hasDefault && !UNUSED_FEATURE.has(name) && !(name in c.env))
      problems.push(`${c.name}: ${name} is left to its default; set it, so the manifest shows the contract`);
  }
  for (const [name, value] of Object.entries(c.env)) {
    if (!value.startsWith('/') || name === 'NODE_OPTIONS') continue;
    const inVolume = c.mounts.some((m) => value === m.path || value.startsWith(`${m.path}/`));
    if (!inVolume && !IMAGE_PATHS.some((p) => value.startsWith(p)))
      problems.push(`${c.name}: ${name}=${value} is on no volume the container mounts`);
  }
  return problems;
}

const portOf = (address: string | undefined) => Number(/:(\d+)$/.exec(address ?? '')?.[1] ?? Number.NaN);
const mountOf = (c: ContainerView | undefined, file: string | undefined) =>
  c?.mounts
    .filter((m) => file !== undefined && (file === m.path || file.startsWith(`${m.path}/`)))
    .sort((a, b) => b.path.length - a.path.length)[0];

/** Where the containers of one pod must agree with each other. */
export function podContractProblems(pod: ContainerView[]): string[] {
  const by = (app: AppName) => pod.find((c) => c.app === app);
  const problems: string[] = [];
  const web = by('web');
  const agree = (what: string, ok: boolean) => ok || problems.push(what);

  for (const c of pod) {
    const listens = Object.entries(c.env)
      .filter(([name]) => /(_LISTEN|_BIND)$|^PORT$/.test(name))
      .map(([, value]) => portOf(value.includes(':') ? value : `:${value}`));
    for (const port of c.ports)
      agree(`${c.name}: declares port ${port}, but listens on ${listens.join(', ')}`, listens.includes(port));
  }
  if (!web) return problems;

  const init = by('config-init');
  if (init) {
    agree(
      `web reads ${web.env.CONFIG_FILE}, config-init writes ${init.env.CONFIG_OUTPUT}`,
      web.env.CONFIG_FILE === init.env.CONFIG_OUTPUT,
    );
    agree(
      'web and config-init do not share the config volume',
      mountOf(web, web.env.CONFIG_FILE)?.volume === mountOf(init, init.env.CONFIG_OUTPUT)?.volume,
    );
  }
  const sync = by('git-sync');
  if (sync) {
    const published = `${sync.env.GITSYNC_ROOT}/${sync.env.GITSYNC_LINK}`;
    agree(`web serves ${web.env.CONTENT_DIR}, git-sync publishes ${published}`, web.env.CONTENT_DIR === published);
    agree(
      'web and git-sync do not share the content volume',
      mountOf(web, web.env.CONTENT_DIR)?.volume === mountOf(sync, sync.env.GITSYNC_ROOT)?.volume,
    );
  }
  const ambassador = by('redis-ambassador');
  if (ambassador) {
    const url = new URL(web.env.REDIS_URL ?? 'redis://missing');
    agree(
      `web's REDIS_URL ${web.env.REDIS_URL} is not the ambassador's ${ambassador.env.AMBASSADOR_LISTEN}`,
      `${url.hostname}:${url.port}` === ambassador.env.AMBASSADOR_LISTEN,
    );
  }
  const httpAmbassador = by('http-ambassador');
  if (httpAmbassador) {
    const url = new URL(web.env.ANNOUNCEMENTS_URL || 'http://missing');
    agree(
      `web's ANNOUNCEMENTS_URL ${web.env.ANNOUNCEMENTS_URL} is not the HTTP ambassador's ${httpAmbassador.env.AMBASSADOR_LISTEN}`,
      `${url.hostname}:${url.port}` === httpAmbassador.env.AMBASSADOR_LISTEN,
    );
  }
  const adapter = by('metrics-adapter');
  if (adapter) {
    agree(
      `the adapter reads ${adapter.env.ADAPTER_SOURCE_URL}, web serves stats on ${web.env.STATS_LISTEN}`,
      adapter.env.ADAPTER_SOURCE_URL === `http://${web.env.STATS_LISTEN}/stats`,
    );
  }
  for (const entry of (web.env.POD_CONTAINERS ?? '').split(',').filter(Boolean)) {
    const name = entry.split(':')[0] as string;
    agree(
      `web's POD_CONTAINERS names ${name}, which is not in the pod`,
      pod.some((c) => c.name === name),
    );
  }
  return problems;
}
