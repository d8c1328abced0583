// The container engine, through the real `docker` CLI and compose: whatever DOCKER_HOST points
// at. On machines without Docker that is the podman of ../shared/engine (.ci/run starts it);
// anywhere else it is Docker itself, unchanged.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@pod-patterns/testing';
import { parse } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Why the container tests cannot run here, or false when an engine answers. Where one must answer
 * (REQUIRE_ENGINE=1, as .ci/run sets), its absence fails the tests instead of skipping them.
 */
export const engineMissing: string | false = (() => {
  const answer = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const reason = answer.error
    ? `no docker CLI (${answer.error.message}); on machines without Docker: eval "$(../shared/engine/up)"`
    : answer.status !== 0 && `no container engine answers docker version: ${answer.stderr.trim().split('\n')[0]}`;
  if (reason && process.env.REQUIRE_ENGINE === '1') throw new Error(`REQUIRE_ENGINE=1, but ${reason}`);
  return reason;
})();

/** `$COMPOSE` (docker-compose 1.29 here, set by ../shared/engine/up), or the `docker compose` plugin. */
export const compose: string[] = process.env.COMPOSE ? process.env.COMPOSE.split(' ') : ['docker', 'compose'];

/** Runs docker and returns its stdout; a failure throws with docker's own message. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

export interface Finished {
  code: number | null;
  output: string;
}

/** Runs a long command (a build, `compose up`) without blocking the test's event loop. */
export function run(
  command: string[],
  env: Record<string, string | undefined> = {},
  cwd = repoRoot,
): Promise<Finished> {
  const [file = '', ...args] = command;
  const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

export const APPS = [
  'config-init',
  'git-sync',
  'http-ambassador',
  'metrics-adapter',
  'redis-ambassador',
  'web',
] as const;
export type App = (typeof APPS)[number];

interface ComposeService {
  image?: string;
  build?: { dockerfile?: string };
}

export const composeServices = (): Record<string, ComposeService> =>
  (parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> })
    .services;

/** Each app's image name as docker-compose.yml gives it (the name k8s/kustomization.yaml uses too). */
export function imageOf(app: App): string {
  const built = Object.values(composeServices()).find((s) => s.build?.dockerfile === `apps/${app}/Dockerfile`);
  if (!built?.image) throw new Error(`docker-compose.yml builds no image from apps/${app}/Dockerfile`);
  return built.image;
}

export const appVersion = (app: App): string =>
  (JSON.parse(readFileSync(join(repoRoot, 'apps', app, 'package.json'), 'utf8')) as { version: string }).version;

let checkout: string | undefined;
/**
 * What a fresh clone of this tree holds: the files git tracks plus new ones it does not ignore,
 * copied to a folder of their own. Nothing built or installed here (node_modules, dist) can
 * leak into an image, whatever .dockerignore says, so a build that works here works for a user.
 */
export function cleanCheckout(): string {
  if (checkout) return checkout;
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
    .split('\0')
    .filter(Boolean);
  const dir = tempDir('clean-checkout-');
  for (const file of new Set(files)) {
    const from = join(repoRoot, file);
    if (!lstatSync(from, { throwIfNoEntry: false })) continue; // deleted, not yet committed
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file), { verbatimSymlinks: true });
  }
  checkout = dir;
  return dir;
}

const built = new Map<App, Promise<Finished & { seconds: number }>>();
/**
 * Builds an app's image from the clean checkout with its real Dockerfile, once per test process.
 * The engine's layer cache makes a second process's build of an unchanged tree take seconds.
 */
export function buildImage(app: App): Promise<Finished & { seconds: number }> {
  let build = built.get(app);
  if (!build) {
    const started = Date.now();
    // --network host: the engine's default build network reaches no package registry here.
    build = run(
      ['docker', 'build', '--network', 'host', '-f', `apps/${app}/Dockerfile`, '-t', imageOf(app), '.'],
      {},
      cleanCheckout(),
    ).then((done) => ({ ...done, seconds: (Date.now() - started) / 1000 }));
    built.set(app, build);
  }
  return build;
}

/**
 * Builds every image, two at a time (a cold build mostly waits on npm and on layer commits, so
 * two overlap well on 2 cores), or throws with the first build's output that failed.
 */
export async function buildAll(): Promise<void> {
  const queue = [...APPS];
  const worker = async () => {
    for (let app = queue.shift(); app; app = queue.shift()) {
      const done = await buildImage(app);
      if (done.code !== 0) throw new Error(`docker build of ${app} failed:\n${done.output.slice(-4000)}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

/** The host port that publishes a container's port (`-p 127.0.0.1::PORT`). */
export function hostPort(container: string, port: number): number {
  const mapping = docker('port', container, String(port)).trim().split('\n')[0] ?? '';
  return Number(mapping.slice(mapping.lastIndexOf(':') + 1));
}

export interface ContainerState {
  Status: string;
  ExitCode: number;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: string };
}

export const stateOf = (container: string): ContainerState =>
  JSON.parse(docker('inspect', '--format', '{{json .State}}', container)) as ContainerState;
