// Every app's image, built from a clean checkout with its real Dockerfile and run the way the
// manifests run it: its numeric non-root user, a read-only root with a tmpfs at /tmp, no
// capabilities. Each answers its health endpoint, and `docker stop` drains it to exit 0 within
// the grace period (config-init instead runs to completion, or exits with its documented code).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, startGitHttp, startHttpServer, tempDir, waitFor } from '@pod-patterns/testing';
import {
  APPS,
  type App,
  appVersion,
  buildImage,
  docker,
  engineMissing,
  hostPort,
  imageOf,
  repoRoot,
  run,
  stateOf,
} from './engine.js';

const skip = engineMissing;
// As k8s/ runs every container: restricted Pod Security, a read-only root, /tmp writable.
const HARDENED = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
const GRACE_SECONDS = 30; // terminationGracePeriodSeconds in k8s/
const containers: string[] = [];
after(() => {
  for (const name of containers) spawnQuiet('rm', '-f', '-v', name);
});

function spawnQuiet(...args: string[]): void {
  try {
    docker(...args);
  } catch {
    // already gone
  }
}

/** Starts a container in the background, hardened, with a name this file removes at the end. */
function start(app: App, args: string[]): string {
  const name = `pp-image-test-${app}-${process.pid}-${containers.length}`;
  containers.push(name);
  docker('run', '-d', '--name', name, ...HARDENED, ...args, imageOf(app));
  return name;
}

/** GETs a URL until it answers 200, failing with the container's log if it never does. */
async function until200(name: string, url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      if (stateOf(name).Status === 'exited') throw new Error(`${name} exited:\n${docker('logs', name)}`);
      return (await fetch(url).catch(() => undefined))?.status === 200;
    },
    timeoutMs,
    `${url} to answer 200`,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${docker('logs', '--tail', '30', name)}`);
  });
}

/** `docker stop` with the pod's grace period: how long it took, and how the process ended. */
function stop(name: string): { seconds: number; exitCode: number; oomKilled: boolean } {
  const started = Date.now();
  docker('stop', '-t', String(GRACE_SECONDS), name);
  const state = stateOf(name);
  return { seconds: (Date.now() - started) / 1000, exitCode: state.ExitCode, oomKilled: state.OOMKilled };
}

/** The uid the container's PID 1 runs as, read from the kernel rather than from the image config. */
const pid1Uid = (name: string) => Number(/^Uid:\s+(\d+)/m.exec(docker('exec', name, 'cat', '/proc/1/status'))?.[1]);

for (const app of APPS) {
  test(`${app}: the image builds from a clean checkout; a numeric non-root user, production dependencies only, --version`, {
    skip,
  }, async (t) => {
    const build = await buildImage(app);
    assert.equal(build.code, 0, `docker build failed:\n${build.output.slice(-4000)}`);
    const image = imageOf(app);
    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config}}', image)) as { User: string };
    assert.match(config.User, /^[1-9]\d*:\d+$/, 'USER is numeric and not root, so runAsNonRoot can verify it');
    const bytes = Number(docker('image', 'inspect', '--format', '{{.Size}}', image).trim());
    t.diagnostic(`${image}: ${(bytes / 1e6).toFixed(0)} MB, built in ${build.seconds.toFixed(0)} s`);

    // Every package in node_modules, scoped ones included; a dangling link (a dev-only workspace
    // that was not copied) counts too.
    const listing = docker(
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      image,
      '-c',
      'cd node_modules && for d in * @*/*; do [ -e "$d" ] || echo "dangling:$d"; [ -e "$d/package.json" ] && echo "$d"; done; for s in @*; do [ -z "$(ls -A "$s")" ] && echo "empty:$s"; done; true',
    )
      .split('\n')
      .filter(Boolean);
    const devOnly = ['typescript', 'tsx', 'turbo', 'esbuild', '@biomejs/biome', '@pod-patterns/testing'];
    for (const pkg of listing)
      assert.ok(
        !devOnly.includes(pkg) && !pkg.startsWith('@types/') && !pkg.includes(':'),
        `node_modules holds ${pkg}: the runner stage must hold only production dependencies`,
      );
    t.diagnostic(`${image}: ${listing.length} packages in node_modules`);

    assert.equal(
      docker('run', '--rm', image, '--version').trim(),
      appVersion(app),
      '--version names the source version',
    );
  });
}

test('web: runs hardened, ready once config and content are mounted, and docker stop drains it to exit 0', {
  skip,
}, async () => {
  await buildImage('web');
  const dir = tempDir('image-web-');
  mkdirSync(join(dir, 'config'));
  cpSync(join(repoRoot, 'k8s', 'demo', 'config', 'app.json'), join(dir, 'config', 'app.json'));
  cpSync(join(repoRoot, 'k8s', 'demo', 'site'), join(dir, 'site'), { recursive: true });
  chmodSync(dir, 0o755);
  const name = start('web', [
    ...[
      '-p',
      '127.0.0.1::8080',
      '-v',
      `${join(dir, 'config')}:/config:ro`,
      '-v',
      `${join(dir, 'site')}:/content/site:ro`,
    ],
    ...['-e', 'SHUTDOWN_DELAY=2s'],
  ]);
  const port = hostPort(name, 8080);
  await until200(name, `http://127.0.0.1:${port}/readyz`);
  assert.equal(pid1Uid(name), 1000);
  assert.match(await (await fetch(`http://127.0.0.1:${port}/`)).text(), /Hello from git-sync/);
  const stopped = stop(name);
  assert.equal(stopped.exitCode, 0, docker('logs', '--tail', '20', name));
  assert.ok(stopped.seconds < GRACE_SECONDS, `stopped in ${stopped.seconds} s, within the grace period`);
  assert.match(docker('logs', name), /"msg":"stopped"/);
});

test('metrics-adapter: runs hardened, answers /healthz and /metrics with the source down, and drains on docker stop', {
  skip,
}, async () => {
  await buildImage('metrics-adapter');
  const name = start('metrics-adapter', ['-p', '127.0.0.1::9102']);
  const port = hostPort(name, 9102);
  await until200(name, `http://127.0.0.1:${port}/healthz`);
  assert.equal(pid1Uid(name), 1000);
  // The default source (web's /stats in the same pod) is not there: up 0, and the scrape still works.
  assert.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /^web_up 0$/m);
  const stopped = stop(name);
  assert.equal(stopped.exitCode, 0, docker('logs', '--tail', '20', name));
  assert.ok(stopped.seconds < GRACE_SECONDS, `stopped in ${stopped.seconds} s`);
});

test('redis-ambassador: runs hardened, answers /healthz with its servers unreachable, and drains on docker stop', {
  skip,
}, async () => {
  await buildImage('redis-ambassador');
  const name = start('redis-ambassador', ['-p', '127.0.0.1::9121', '-e', 'REDIS_SERVERS=127.0.0.1:1:1']);
  const port = hostPort(name, 9121);
  await until200(name, `http://127.0.0.1:${port}/healthz`);
  assert.equal(pid1Uid(name), 1000);
  const stopped = stop(name);
  assert.equal(stopped.exitCode, 0, docker('logs', '--tail', '20', name));
  assert.ok(stopped.seconds < GRACE_SECONDS, `stopped in ${stopped.seconds} s`);
});

test('http-ambassador: runs hardened, brokers a call to an upstream on the host, and drains on docker stop', {
  skip,
}, async () => {
  await buildImage('http-ambassador');
  const api = await startHttpServer((req, res) => res.writeHead(200).end(`upstream saw ${req.url}`));
  try {
    const [port, ops] = [await freePort(), await freePort()];
    // The upstream is on the host's loopback, so the container shares the host's network.
    const name = start('http-ambassador', [
      ...['--network', 'host', '-e', `UPSTREAMS=${api.url}`],
      ...['-e', `AMBASSADOR_LISTEN=127.0.0.1:${port}`, '-e', `OPS_LISTEN=127.0.0.1:${ops}`],
    ]);
    await until200(name, `http://127.0.0.1:${ops}/healthz`);
    assert.equal(pid1Uid(name), 1000);
    const res = await fetch(`http://127.0.0.1:${port}/hello`);
    assert.equal(await res.text(), 'upstream saw /hello');
    assert.equal(res.headers.get('x-ambassador-tries'), '1');
    assert.equal(docker('logs', name).includes('DeprecationWarning'), false, 'no deprecation warning on Node 24');
    const stopped = stop(name);
    assert.equal(stopped.exitCode, 0, docker('logs', '--tail', '20', name));
    assert.ok(stopped.seconds < GRACE_SECONDS, `stopped in ${stopped.seconds} s`);
  } finally {
    await api.close();
  }
});

test('git-sync: syncs into a fresh volume as its user; tini reaps every git; docker stop exits 0', {
  skip,
}, async () => {
  await buildImage('git-sync');
  const projects = tempDir('image-git-');
  const bare = join(projects, 'site.git');
  const work = tempDir('image-git-work-');
  cpSync(join(repoRoot, 'k8s', 'demo', 'site'), work, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'site');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  const server = await startGitHttp(projects);
  const port = await freePort();
  try {
    // The git server is on the host's loopback, so the container shares the host's network.
    // An anonymous volume at /content starts with the image's owner of /content (uid 1000), as
    // the pod's fsGroup makes the emptyDir writable in Kubernetes.
    const name = start('git-sync', [
      ...['--network', 'host', '-v', '/content'],
      ...['-e', `GITSYNC_REPO=${server.url}/site.git`, '-e', 'GITSYNC_ROOT=/content', '-e', 'GITSYNC_LINK=site'],
      ...['-e', 'GITSYNC_PERIOD=1s'],
      ...['-e', `GITSYNC_HTTP_BIND=127.0.0.1:${port}`],
    ]);
    await until200(name, `http://127.0.0.1:${port}/`);
    assert.equal(pid1Uid(name), 1000);
    assert.match(docker('exec', name, 'cat', '/proc/1/cmdline').replaceAll('\0', ' '), /^tini -- node /);
    assert.match(docker('exec', name, 'cat', '/content/site/index.html'), /Hello from git-sync/);
    // Several syncs later (git runs each period), no git process is left a zombie.
    const syncs = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return [...metrics.matchAll(/^git_sync_count_total\{status="(?:success|noop)"\} (\d+)$/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    };
    await waitFor(async () => (await syncs()) >= 3, 20_000, 'three syncs');
    const states = docker('exec', name, 'sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null | cut -d" " -f2,3');
    assert.doesNotMatch(states, / Z$/m, `a zombie is left:\n${states}`);
    const stopped = stop(name);
    assert.equal(stopped.exitCode, 0, docker('logs', '--tail', '20', name));
    assert.ok(stopped.seconds < GRACE_SECONDS, `stopped in ${stopped.seconds} s`);
  } finally {
    await server.close();
  }
});

test('config-init: runs to completion into a mounted volume; a bad URL exits 69 and writes /dev/termination-log', {
  skip,
}, async () => {
  await buildImage('config-init');
  const body = readFileSync(join(repoRoot, 'k8s', 'demo', 'config', 'app.json'));
  const server = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(body),
  );
  const volume = `pp-image-test-config-${process.pid}`;
  docker('volume', 'create', volume);
  try {
    const good = start('config-init', [
      ...['--network', 'host', '-v', `${volume}:/config`],
      ...['-e', `CONFIG_URL=${server.url}/app.json`, '-e', 'CONFIG_OUTPUT=/config/app.json'],
    ]);
    await run(['docker', 'wait', good]); // not docker(): this process's server must keep answering
    assert.equal(stateOf(good).ExitCode, 0, docker('logs', good));
    const written = docker(
      'run',
      '--rm',
      '-v',
      `${volume}:/config:ro`,
      '--entrypoint',
      'cat',
      imageOf('config-init'),
      '/config/app.json',
    );
    assert.deepEqual(JSON.parse(written), JSON.parse(body.toString()));

    const log = join(tempDir('image-termination-'), 'termination-log');
    writeFileSync(log, '');
    chmodSync(log, 0o666); // the container's user writes it, as the kubelet's file is writable
    const bad = start('config-init', [
      ...['--network', 'host', '-v', `${log}:/dev/termination-log`],
      ...[
        '-e',
        'CONFIG_URL=http://127.0.0.1:1/app.json',
        '-e',
        'CONFIG_OUTPUT=/tmp/app.json',
        '-e',
        'CONFIG_DEADLINE=2s',
      ],
    ]);
    await run(['docker', 'wait', bad]);
    assert.equal(stateOf(bad).ExitCode, 69, docker('logs', bad));
    assert.match(readFileSync(log, 'utf8'), /127\.0\.0\.1:1/);
  } finally {
    await server.close();
    spawnQuiet('volume', 'rm', '-f', volume);
  }
});

test('config-init: docker stop while it retries ends it with its documented 143, well within the grace period', {
  skip,
}, async () => {
  await buildImage('config-init');
  const name = start('config-init', [
    '--network',
    'host',
    '-e',
    'CONFIG_URL=http://127.0.0.1:1/app.json',
    '-e',
    'CONFIG_OUTPUT=/tmp/a.json',
  ]);
  await waitFor(() => /attempt failed/.test(docker('logs', name)), 20_000, 'a failed attempt');
  const stopped = stop(name);
  assert.equal(stopped.exitCode, 143);
  assert.ok(stopped.seconds < GRACE_SECONDS, `stopped in ${stopped.seconds} s`);
});
