// docker-compose.yml end to end, as a user runs it: `$COMPOSE up -d` with the images built from
// the real Dockerfiles, then everything checked from the host on the ports it publishes (moved
// to free ones through WEB_PORT and friends), and `$COMPOSE down -v` at the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, waitFor } from '@pod-patterns/testing';
import { buildAll, compose, composeServices, docker, engineMissing, repoRoot, run, stateOf } from './engine.js';

const skip = engineMissing;
const SYNC_PERIOD_MS = 10_000; // GITSYNC_PERIOD in docker-compose.yml
const project = `pp-compose-test-${process.pid}`;
const password = readFileSync(join(repoRoot, 'k8s', 'demo', 'redis-password'), 'utf8').trim();
const ports: Record<string, string> = {};
const dc = (...args: string[]) =>
  run([...compose, '-p', project, '-f', join(repoRoot, 'docker-compose.yml'), ...args], ports);
const web = (path: string) => `http://127.0.0.1:${ports.WEB_PORT}${path}`;

/** The container of one compose service (its name differs between compose versions). */
function containerOf(service: string): string {
  const id = docker(
    ...['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`],
    ...['--filter', `label=com.docker.compose.service=${service}`],
  )
    .trim()
    .split('\n')[0];
  if (!id) throw new Error(`no container for the compose service ${service}`);
  return id;
}

const projectObjects = (kind: 'container' | 'volume' | 'network') =>
  docker(
    kind,
    'ls',
    ...(kind === 'container' ? ['-a'] : []),
    '-q',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  )
    .split('\n')
    .filter(Boolean);

interface Status {
  config: { version: string };
  content: { revision: string | null };
  visits: { ok: boolean; total?: number; reason?: string };
  announcements: { items?: string[]; upstream?: string };
}
const status = async () => (await (await fetch(web('/_pod/status'))).json()) as Status;

/** Keys in one Redis container, through its own redis-cli. */
const keysIn = (service: string) =>
  docker('exec', containerOf(service), 'redis-cli', '--no-auth-warning', '-a', password, '--scan')
    .split('\n')
    .filter(Boolean)
    .sort();

/** A command through the ambassador, from inside the pod's network namespace (as `kubectl debug` would). */
const throughAmbassador = (...command: string[]) =>
  docker(
    ...['run', '--rm', '--network', `container:${containerOf('pod')}`, '--entrypoint', 'redis-cli'],
    ...[composeServices()['redis-0']?.image ?? 'redis', '-h', '127.0.0.1', '-p', '6379', ...command],
  ).trim();

before(async () => {
  if (skip) return;
  await buildAll();
  for (const name of ['WEB_PORT', 'ADAPTER_PORT', 'AMBASSADOR_OPS_PORT', 'GIT_SYNC_PORT'])
    ports[name] = String(await freePort());
  const up = await dc('up', '-d');
  assert.equal(up.code, 0, `compose up failed:\n${up.output.slice(-4000)}`);
  await waitFor(
    async () => (await fetch(web('/readyz')).catch(() => undefined))?.status === 200,
    120_000,
    'web ready',
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\n${(await dc('logs', '--tail', '20')).output.slice(-6000)}`);
  });
});
after(async () => {
  if (!skip) await dc('down', '-v', '--remove-orphans');
});

test('compose up: the pod comes up healthy in Kubernetes order, every container in the pod network namespace', {
  skip,
}, () => {
  const init = stateOf(containerOf('config-init'));
  assert.equal(init.ExitCode, 0, 'config-init ran to completion');
  const webStarted = Date.parse(stateOf(containerOf('web')).StartedAt);
  assert.ok(Date.parse(init.FinishedAt) <= webStarted, 'config-init finished before web started');
  for (const sidecar of ['redis-ambassador', 'http-ambassador', 'git-sync']) {
    const state = stateOf(containerOf(sidecar));
    assert.equal(state.Health?.Status, 'healthy', `${sidecar} is healthy`);
    assert.ok(Date.parse(state.StartedAt) <= webStarted, `${sidecar} started before web`);
  }
  const pod = docker('inspect', '--format', '{{.Id}}', containerOf('pod')).trim();
  for (const service of ['config-init', 'redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter', 'web'])
    assert.equal(
      docker('inspect', '--format', '{{.HostConfig.NetworkMode}}', containerOf(service)).trim(),
      `container:${pod}`,
      `${service} shares the pod's network namespace`,
    );
});

test('the page shows the synced site, and /_pod the config config-init fetched', { skip }, async () => {
  assert.match(await (await fetch(web('/'))).text(), /Hello from git-sync/);
  const head = docker('exec', containerOf('git-server'), 'git', '-C', '/srv/git/site', 'rev-parse', 'HEAD').trim();
  const s = await status();
  assert.equal(s.content.revision, head);
  assert.equal(s.config.version, 'demo-1');
  // Announcements, read by web through the HTTP ambassador, which brokers the config-api service.
  assert.deepEqual(
    s.announcements.items,
    JSON.parse(readFileSync(join(repoRoot, 'k8s/demo/config/announcements.json'), 'utf8')).announcements,
  );
  assert.equal(s.announcements.upstream, 'config-api');
});

test('the visit count rises by exactly the page views, and the keys land on both Redis containers', {
  skip,
}, async () => {
  let before = await status();
  for (let settled = false; !settled; ) {
    await new Promise((r) => setTimeout(r, 300)); // views are flushed to Redis every 100 ms
    const again = await status();
    settled = again.visits.total === before.visits.total;
    before = again;
  }
  assert.ok(before.visits.ok, `visits: ${before.visits.reason}`);
  const views = 20;
  for (let i = 0; i < views - 1; i++) assert.equal((await fetch(web('/'))).status, 200);
  assert.equal((await fetch(web('/_pod'))).status, 200);
  const expected = (before.visits.total ?? 0) + views;
  const total = await waitFor(
    async () => {
      const t = (await status()).visits.total ?? 0;
      return t >= expected ? t : 0;
    },
    10_000,
    'the counter to catch up',
  );
  assert.equal(total, expected, 'exactly the page views, no more');
  const [s0, s1] = [keysIn('redis-0'), keysIn('redis-1')];
  assert.ok(s0.length > 0 && s1.length > 0, `keys on both: ${s0} | ${s1}`);
  assert.deepEqual([...s0, ...s1].sort(), ['visits:page:/', 'visits:page:/_pod', 'visits:total']);
  assert.equal(Number(throughAmbassador('GET', 'visits:total')), total);
});

test("the adapter's /metrics carries web's numbers", { skip }, async () => {
  const metrics = async () => await (await fetch(`http://127.0.0.1:${ports.ADAPTER_PORT}/metrics`)).text();
  const served = (text: string) =>
    Number(/^web_http_requests_total\{route="site",status="200"\} (\d+)$/m.exec(text)?.[1]);
  const before = served(await metrics());
  for (let i = 0; i < 3; i++) await (await fetch(web('/'))).text();
  const after = await metrics();
  assert.equal(served(after), before + 3);
  assert.match(after, /^web_up 1$/m);
  assert.match(after, /^web_config_info\{version="demo-1"\} 1$/m);
});

test('a commit to the demo site is served within the sync period plus 2 s, while a request loop sees no failure', {
  skip,
}, async () => {
  const marker = `edited ${Date.now()}`;
  docker(
    ...['exec', containerOf('git-server'), 'sh', '-c'],
    `cd /srv/git/site && sed -i 's/Hello from git-sync/${marker}/' index.html && git -c user.name=t -c user.email=t@example.invalid commit -qam edit`,
  );
  const committed = Date.now();
  let failures = 0;
  let servedAt = 0;
  while (!servedAt && Date.now() - committed < SYNC_PERIOD_MS + 5000) {
    const res = await fetch(web('/')).catch(() => undefined);
    const body = (await res?.text()) ?? '';
    if (res?.status !== 200) failures += 1;
    if (body.includes(marker)) servedAt = Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(servedAt > 0, 'the commit was served');
  assert.ok(servedAt - committed <= SYNC_PERIOD_MS + 2000, `served after ${servedAt - committed} ms`);
  assert.equal(failures, 0);
});

interface Flows {
  pod: { runtime: string };
  manifest: { object: string | null; problem: string | null; containers: { name: string; kind: string }[] };
  content: { revision: string | null };
  helpers: Record<string, { ok: boolean; error: string | null; report: Record<string, unknown> & { kind: string } }>;
  visit_keys: { key: string; written: number; server: string | null }[];
}

test("/_pod/status under compose: the pod drawn from k8s/demo.yaml, and each helper's report of the same flows", {
  skip,
}, async () => {
  await (await fetch(web('/'))).text();
  await (await fetch(`http://127.0.0.1:${ports.ADAPTER_PORT}/metrics`)).text(); // a scrape
  const flows = (await waitFor(
    async () => {
      const s = (await (await fetch(web('/_pod/status'))).json()) as Flows;
      const redis = s.helpers['redis-ambassador']?.report;
      const adapter = s.helpers['metrics-adapter']?.report;
      return s.visit_keys.some((k) => k.server) && redis && adapter?.scrapes ? s : undefined;
    },
    15_000,
    'the flows reported',
  )) as Flows;
  assert.equal(flows.pod.runtime, 'compose');
  assert.equal(flows.manifest.problem, null);
  assert.equal(flows.manifest.object, 'Deployment/demo');
  assert.deepEqual(
    flows.manifest.containers.map((c) => c.name),
    ['config-init', 'redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter', 'web'],
  );
  const kinds: [string, string][] = [
    ['config-init', 'config-init'],
    ['redis-ambassador', 'redis'],
    ['http-ambassador', 'http'],
    ['git-sync', 'git-sync'],
    ['metrics-adapter', 'adapter'],
  ];
  for (const [name, kind] of kinds)
    assert.equal(flows.helpers[name]?.report?.kind, kind, `${name}: ${flows.helpers[name]?.error}`);
  const { helpers } = flows;
  // Pages counted by shard: each key web wrote, on the server the ambassador says, and there in Redis.
  for (const k of flows.visit_keys.filter((x) => x.server)) {
    const service = k.server === 's0' ? 'redis-0' : 'redis-1';
    assert.ok(keysIn(service).includes(k.key), `${k.key} is on ${service}, as the ambassador says`);
  }
  const upstreams = helpers['http-ambassador']?.report.upstreams as {
    name: string;
    circuit: string;
    requests: number;
  }[];
  assert.deepEqual(
    upstreams.map((u) => [u.name, u.circuit]),
    [['config-api', 'closed']],
  );
  assert.ok((upstreams[0]?.requests ?? 0) >= 1, 'the announcements went through it');
  const timeline = helpers['git-sync']?.report.timeline as { event: string; sha?: string }[];
  assert.equal(timeline.at(-1)?.event, 'published');
  assert.equal(timeline.at(-1)?.sha, flows.content.revision, 'the revision published is the one web serves');
  const sources = helpers['config-init']?.report.sources as { url: string; attempts: number; status: number }[];
  assert.equal(sources[0]?.status, 200);
  assert.ok((sources[0]?.attempts ?? 0) >= 1);
  const last = helpers['metrics-adapter']?.report.last_scrape as {
    ok: boolean;
    source_json: string;
    exposition: string;
  };
  assert.equal(last.ok, true);
  assert.match(last.source_json, /"service": "web"/);
  assert.match(last.exposition, /^web_up 1$/m);
});

test('one Redis container stopped: errors for its keys only, and the page still renders', { skip }, async () => {
  const [onFirst] = keysIn('redis-0');
  const [onSecond] = keysIn('redis-1');
  assert.ok(onFirst && onSecond, 'a key on each');
  const stopped = await dc('stop', 'redis-1');
  assert.equal(stopped.code, 0, stopped.output);
  await waitFor(() => /ERR|error/i.test(throughAmbassador('GET', onSecond)), 20_000, `an error for ${onSecond}`);
  assert.match(throughAmbassador('GET', onFirst), /^\d+$/, `${onFirst} on redis-0 is still answered`);
  // A connection of its own: the wait above can outlast web's 5 s keep-alive, and a pooled
  // connection the server is closing just then fails the request before web sees it.
  const page = await getOnce(web('/'));
  assert.equal(page.status, 200);
  assert.match(page.body, /Hello from git-sync|edited/);
});

test('compose down -v leaves no container, volume or network behind', { skip }, async (t) => {
  let down = await dc('down', '-v', '--remove-orphans');
  // docker-compose 1.29 removes the containers in parallel, and podman refuses to remove the pod's
  // namespace holder while a container that joined it is still being removed: the one failure
  // seen here, and a second `down` finishes the job. Docker itself has no such rule.
  if (down.code !== 0 && /has dependent containers/.test(down.output)) {
    t.diagnostic('the first down failed on "has dependent containers" (podman); ran it again');
    down = await dc('down', '-v', '--remove-orphans');
  }
  assert.equal(down.code, 0, down.output);
  assert.deepEqual(projectObjects('container'), []);
  assert.deepEqual(projectObjects('volume'), []);
  assert.deepEqual(projectObjects('network'), []);
});

/** One GET on a new connection, read to the end. */
function getOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
