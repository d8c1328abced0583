// The demo end to end: the pod of k8s/ run by podrun against its outside systems, checked the
// way a user would look at it (the page, /_pod, Redis, /metrics, a git push, Ctrl-C), and once
// in a real browser. Ports are the pod's contract (k8s/README.md): web 8080, stats 9000
// (pod-private), adapter 9102; git-sync's period in k8s/demo.yaml is 10 s.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { prometheusMissing, startHttpServer, startPrometheus, tempDir, waitFor } from '@pod-patterns/testing';
import { parseAllDocuments } from 'yaml';
import { repoRoot, startOutside } from '../src/outside.js';
import { checkPod } from '../src/pod-checks.js';
import { checkPicture, newPage, openBrowser } from './browser.js';
import { type DemoPod, hasKubectl, noRedis, type PodEvent, shardGet, shardKeys, startDemoPod } from './helpers.js';

const WEB = 8080;
const STATS = 9000;
const ADAPTER = 9102;
const SYNC_PERIOD_MS = 10_000;

let pod: DemoPod;
before(async () => {
  pod = await startDemoPod();
  await pod.waitForEvent((e) => e.type === 'pod-ready', 90_000);
});
after(async () => {
  await pod?.stop();
});

interface Status {
  config: { version: string };
  content: { revision: string | null };
  visits: { ok: boolean; total?: number; reason?: string };
  stats_reads: { count: number };
}
const status = async () => (await (await fetch(await pod.url(WEB, '/_pod/status'))).json()) as Status;
const index = (events: PodEvent[], type: string, container: string) =>
  events.findIndex((e) => e.type === type && e.container === container);

test(`the demo pod comes up ready from the real manifests (${hasKubectl ? 'k8s/ through kubectl kustomize' : 'k8s/kubernetes-manifests.yaml'}), in Kubernetes order`, () => {
  const events = pod.events();
  const order: [string, string, string, string][] = [
    ['exit', 'config-init', 'start', 'redis-ambassador'],
    ['started', 'redis-ambassador', 'start', 'http-ambassador'],
    ['started', 'http-ambassador', 'start', 'git-sync'],
    ['started', 'git-sync', 'start', 'metrics-adapter'],
    ['started', 'metrics-adapter', 'start', 'web'],
  ];
  for (const [type, first, next, second] of order) {
    assert.ok(index(events, type, first) >= 0, `${first} ${type}`);
    assert.ok(index(events, type, first) < index(events, next, second), `${second} starts after ${first} ${type}`);
  }
  assert.equal(events.find((e) => e.type === 'exit' && e.container === 'config-init')?.code, 0);
});

test('the page shows the synced site, and /_pod the config config-init fetched', async () => {
  assert.match(await (await fetch(await pod.url(WEB, '/'))).text(), /Hello from git-sync/);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: pod.outside.gitRepo, encoding: 'utf8' }).trim();
  const s = await status();
  assert.equal(s.content.revision, head);
  assert.equal(s.config.version, 'demo-1');
  assert.match(await (await fetch(await pod.url(WEB, '/_pod'))).text(), /Served by web, synced by git-sync/);
});

test('/_pod shows the announcements web read through the HTTP ambassador, and what it did', async () => {
  const { announcements } = (await (await fetch(await pod.url(WEB, '/_pod/status'))).json()) as {
    announcements: { ok: boolean; items?: string[]; upstream?: string; tries?: number; reason?: string };
  };
  const served = JSON.parse(readFileSync(join(repoRoot, 'k8s', 'demo', 'config', 'announcements.json'), 'utf8'));
  assert.ok(announcements.ok, `announcements: ${announcements.reason}`);
  assert.deepEqual(announcements.items, served.announcements);
  assert.equal(announcements.upstream, 'config-api');
  assert.equal(announcements.tries, 1);
});

test('the visit count rises by exactly the page views, and the keys land on both Redis shards', {
  skip: noRedis,
}, async () => {
  // Views counted by earlier tests are flushed within 100 ms: start from a settled count.
  let before = await status();
  for (let settled = false; !settled; ) {
    await new Promise((r) => setTimeout(r, 300));
    const again = await status();
    settled = again.visits.total === before.visits.total;
    before = again;
  }
  assert.ok(before.visits.ok, `visits: ${before.visits.reason}`);
  const views = 26;
  for (let i = 0; i < views - 1; i++) assert.equal((await fetch(await pod.url(WEB, '/'))).status, 200);
  assert.equal((await fetch(await pod.url(WEB, '/_pod'))).status, 200); // a full /_pod view counts too
  const total = await waitFor(
    async () => {
      const t = (await status()).visits.total ?? 0;
      return t >= (before.visits.total ?? 0) + views ? t : 0;
    },
    10_000,
    'the counter to catch up',
  );
  assert.equal(total, (before.visits.total ?? 0) + views, 'exactly the page views, no more');
  const [s0, s1] = pod.outside.redis.map((r) => shardKeys(r.port));
  assert.ok(s0 && s0.length > 0, `shard 0 has keys: ${s0}`);
  assert.ok(s1 && s1.length > 0, `shard 1 has keys: ${s1}`);
  assert.deepEqual([...(s0 ?? []), ...(s1 ?? [])].sort(), ['visits:page:/', 'visits:page:/_pod', 'visits:total']);
  const holder = pod.outside.redis.find((r) => shardKeys(r.port).includes('visits:total'));
  assert.equal(Number(shardGet(holder?.port ?? 0, 'visits:total')), total);
});

test("the adapter's /metrics carries web's numbers under the mapped names", async () => {
  for (let i = 0; i < 3; i++) await fetch(await pod.url(WEB, '/'));
  await new Promise((r) => setTimeout(r, 300)); // the counter's flush
  const stats = (await (await fetch(await pod.url(STATS, '/stats'))).json()) as {
    visits: number;
    requests: { site: Record<string, number> };
  };
  const metrics = await (await fetch(await pod.url(ADAPTER, '/metrics'))).text();
  const sample = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
  assert.equal(sample(/^web_http_requests_total\{route="site",status="200"\} (\d+)$/m), stats.requests.site['200']);
  if (!noRedis) assert.equal(sample(/^web_visits_total (\d+)$/m), stats.visits);
  assert.ok((await status()).stats_reads.count > 0, 'web saw the adapter read /stats');
});

test('the cluster check passes against the demo pod, and names what it finds wrong', { skip: noRedis }, async () => {
  const endpoints = {
    web: await pod.url(WEB, ''),
    adapter: await pod.url(ADAPTER, ''),
    redisAmbassador: await pod.url(9121, ''),
  };
  const results = await checkPod(endpoints);
  assert.deepEqual(
    results.filter((r) => !r.ok),
    [],
  );
  assert.equal(results.length, 6);
  // The adapter's place taken by a server whose metrics carry none of web's numbers.
  const impostor = await startHttpServer((_req, res) => res.writeHead(200).end('process_cpu_seconds_total 1\n'));
  try {
    const broken = await checkPod({ ...endpoints, adapter: impostor.url }, 2);
    assert.deepEqual(
      broken.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`),
      ["the adapter's /metrics carries web's numbers: web_up is not 1"],
    );
  } finally {
    await impostor.close();
  }
});

test('a real Prometheus scrapes every metrics port the pod declares: up == 1 and no scrape error', {
  skip: prometheusMissing(),
}, async () => {
  // The ports come from the manifests (every container port named metrics*), not from a list here.
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'k8s', 'kubernetes-manifests.yaml'), 'utf8')).map((d) =>
    d.toJS(),
  );
  const spec = docs.find((d) => d?.kind === 'Deployment' && d.metadata.name === 'demo').spec.template.spec;
  const ports = [...spec.initContainers, ...spec.containers]
    .flatMap((c: { ports?: { name: string; containerPort: number }[] }) => c.ports ?? [])
    .filter((p: { name: string }) => p.name.startsWith('metrics'))
    .map((p: { containerPort: number }) => p.containerPort);
  assert.ok(ports.length >= 4, `the redis and HTTP ambassadors, git-sync and the adapter: ${ports}`);
  const address = await pod.address();
  const prometheus = await startPrometheus(ports.map((port: number) => `${address}:${port}`));
  try {
    await waitFor(
      async () => {
        const all = await prometheus.targets();
        return all.length === ports.length && all.every((t) => t.health === 'up');
      },
      30_000,
      'every target scraped and up',
    );
    for (const target of await prometheus.targets()) assert.equal(target.lastError, '', target.scrapeUrl);
    const up = await prometheus.query('up');
    assert.equal(up.length, ports.length);
    for (const [labels, value] of up) assert.equal(value, 1, labels.instance);
    // What each target gave, as Prometheus stored it: counters keep _total (it negotiated OpenMetrics).
    const errors = await prometheus.query('adapter_source_errors_total');
    assert.ok(errors.length > 0, 'the adapter counters are stored under their _total names');
  } finally {
    await prometheus.stop();
  }
});

test('a new commit is served within the sync period plus 2 s, while a request loop sees no failure', async () => {
  const work = join(tempDir('demo-push-'), 'site');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe', encoding: 'utf8' });
  execFileSync('git', ['clone', '--quiet', pod.outside.gitRepo, work]);
  const marker = `edited ${Date.now()}`;
  writeFileSync(
    join(work, 'index.html'),
    readFileSync(join(work, 'index.html'), 'utf8').replace('Hello from git-sync', marker),
  );
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-am', 'An edit');
  git('push', '--quiet', 'origin', 'main');
  const pushed = Date.now();
  let failures = 0;
  let requests = 0;
  let servedAt = 0;
  const url = await pod.url(WEB, '/');
  while (Date.now() - pushed < SYNC_PERIOD_MS + 5000) {
    requests += 1;
    try {
      const res = await fetch(url);
      const body = await res.text();
      if (res.status !== 200) failures += 1;
      if (body.includes(marker)) {
        servedAt = Date.now();
        break;
      }
    } catch {
      failures += 1;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(servedAt > 0, 'the new commit was served');
  assert.ok(servedAt - pushed <= SYNC_PERIOD_MS + 2000, `served ${servedAt - pushed} ms after the push`);
  assert.equal(failures, 0, `${failures} of ${requests} requests failed`);
});

test('/_pod in a real browser: every pattern panel shows live data (screenshot saved)', async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    // Debian's chromium; CHROMIUM_PATH for another browser (GitHub's Ubuntu runners ship Chrome).
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  try {
    await fetch(await pod.url(ADAPTER, '/metrics')); // a scrape, as Prometheus would make
    const page = await browser.newPage();
    await page.goto(await pod.url(WEB, '/_pod'));
    const text = async (locator: { textContent(): Promise<string | null> }) => (await locator.textContent()) ?? '';
    // A panel is the section whose heading carries the pattern's badge.
    const section = (badge: string) =>
      page.locator('section', { has: page.locator('h2 .badge', { hasText: new RegExp(`^${badge}$`) }) });
    assert.match(await text(section('init')), /Version demo-1/);
    assert.match(await text(section('sidecar')), /Serving revision [0-9a-f]{40}/);
    const panel = (heading: string) => page.locator('section', { has: page.locator('h2', { hasText: heading }) });
    const visits = await text(panel('Visits'));
    assert.match(visits, noRedis ? /Redis unavailable/ : /\d+ page views in all/);
    assert.match(await text(section('adapter')), /Read \d+ time\(s\) by the adapter/);
    assert.match(await text(panel('Announcements')), /brokered it to config-api in 1 try/);
    const rows = await page.locator('table tr').allTextContents();
    for (const name of ['config-init', 'redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter', 'web'])
      assert.ok(
        rows.some((r) => r.includes(name)),
        `${name} is in the containers table`,
      );
    for (const name of ['redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter'])
      assert.match(rows.find((r) => r.includes(name)) ?? '', noRedis && name === 'redis-ambassador' ? /./ : /healthy/);
    // The page refreshes itself from /_pod/events: the uptime moves without a reload.
    const uptime = async () => Number(/up (\d+)s/.exec(await text(page.locator('#pod')))?.[1]);
    const first = await uptime();
    await waitFor(async () => (await uptime()) > first, 30_000, 'the dashboard to refresh');
    const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'pod-dashboard.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('/_pod draws the demo pod from k8s/demo.yaml, accessible, keyboard-navigable, its manifest a click away, no secret on it', async () => {
  const browser = await openBrowser();
  try {
    await checkPicture(
      await newPage(browser),
      await pod.url(WEB, ''),
      join(repoRoot, 'k8s', 'demo.yaml'),
      'Deployment/demo',
    );
    // No secret reaches the page: the Redis password the ambassador reads is in none of these.
    const password = readFileSync(join(repoRoot, 'k8s', 'demo', 'redis-password'), 'utf8').trim();
    for (const path of ['/_pod', '/_pod/status', '/_pod/manifest'])
      assert.doesNotMatch(await (await fetch(await pod.url(WEB, path))).text(), new RegExp(password), path);
  } finally {
    await browser.close();
  }
});

test('/_pod live: a view moves the right shard, a commit reaches the timeline in time, a stopped shard turns red', {
  skip: noRedis,
}, async () => {
  const browser = await openBrowser();
  const base = await pod.url(WEB, '');
  try {
    const page = await newPage(browser);
    await page.goto(`${base}/_pod`);
    const shardRows = page.locator('tr[id^="shard-"]');
    await waitFor(async () => (await shardRows.count()) === 2, 10_000, 'both shards on the page');
    // Which shard holds each key, asked of the shards themselves.
    const ports = await shardRows.evaluateAll((rows) =>
      rows.map(
        (r) => [r.id.slice('shard-'.length), Number(/127\.0\.0\.1:(\d+)/.exec(r.textContent ?? '')?.[1])] as const,
      ),
    );
    const views = async () =>
      Object.fromEntries(
        await Promise.all(
          ports.map(
            async ([name]) => [name, Number(await page.locator(`#shard-${name}`).getAttribute('data-views'))] as const,
          ),
        ),
      );

    // A page view: +1 on the shard of visits:total and +1 on the shard of visits:page:/.
    await new Promise((r) => setTimeout(r, 2500)); // the /_pod load's own view is counted and shown
    const before = await views();
    assert.equal((await fetch(`${base}/`)).status, 200);
    const holds = (port: number, key: string) => shardKeys(port).includes(key);
    const expected = Object.fromEntries(
      ports.map(([name, port]) => [
        name,
        (before[name] ?? 0) + ['visits:total', 'visits:page:/'].filter((k) => holds(port, k)).length,
      ]),
    );
    await waitFor(
      async () => JSON.stringify(await views()) === JSON.stringify(expected),
      10_000,
      `the shards' counts to move as the keys lie: ${JSON.stringify(expected)}`,
    );

    // A pushed commit: fetched, published, then first served by web, within the period plus 2 s.
    const work = join(tempDir('demo-timeline-'), 'site');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe', encoding: 'utf8' });
    execFileSync('git', ['clone', '--quiet', pod.outside.gitRepo, work]);
    writeFileSync(join(work, 'timeline.txt'), `${Date.now()}\n`);
    git('add', 'timeline.txt');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'For the timeline');
    const sha = git('rev-parse', 'HEAD').trim().slice(0, 12);
    git('push', '--quiet', 'origin', 'main');
    const pushed = Date.now();
    const timeline = page.locator('#timeline');
    await waitFor(
      async () => {
        const text = (await timeline.textContent()) ?? '';
        return [`fetched ${sha}`, `published ${sha}`, `first served by web ${sha}`].every((t) => text.includes(t));
      },
      SYNC_PERIOD_MS + 5000,
      'the commit on the timeline: fetched, published and served',
    );
    const shown = Date.now() - pushed;
    assert.ok(shown <= SYNC_PERIOD_MS + 2000, `on the timeline ${shown} ms after the push`);
    const text = (await timeline.textContent()) ?? '';
    assert.ok(
      text.indexOf(`fetched ${sha}`) < text.indexOf(`published ${sha}`) &&
        text.indexOf(`published ${sha}`) < text.indexOf(`first served by web ${sha}`),
      `fetched, published, served, in order:\n${text}`,
    );

    // A stopped shard: its box turns to an error state, and the walkthrough says why.
    const [stoppedName, stoppedPort] = ports[1] as readonly [string, number];
    const shard = pod.outside.redis.find((s) => s.port === stoppedPort);
    assert.ok(shard, `the shard on ${stoppedPort} is the demo's`);
    await shard.kill();
    try {
      const outsideBox = page.locator('#picture g.outside', { hasText: `Redis ${stoppedName}` });
      await waitFor(
        async () => {
          await fetch(`${base}/`); // views keep coming, so the ambassador meets the stopped shard
          return (await outsideBox.getAttribute('class'))?.includes('bad');
        },
        15_000,
        `the box of ${stoppedName} to turn to its error state`,
      );
      assert.match(await outsideBox.innerHTML(), /✖/, 'not by colour alone');
      await page.locator('#walk-ambassador summary').click();
      await waitFor(
        async () =>
          /is (failing|ejected).*only its keys fail.*this page still renders/.test(
            (await page.locator('#walk-ambassador .now').textContent()) ?? '',
          ),
        10_000,
        'the walkthrough to explain it',
      );
      assert.match(
        (await page.locator('#walk-ambassador .now').textContent()) ?? '',
        new RegExp(`^Now: ${stoppedName} is`),
      );
      assert.equal((await fetch(`${base}/`)).status, 200, 'the page still renders');
      const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
      mkdirSync(artifacts, { recursive: true });
      await page.mouse.move(0, 0); // no box drawn hovered
      await page.locator('#picture').screenshot({ path: join(artifacts, 'pod-picture.png') });
    } finally {
      await shard.start();
    }
  } finally {
    await browser.close();
  }
});

test('SIGTERM during a request loop: no request fails, and the containers stop in Kubernetes order', async () => {
  const url = await pod.url(WEB, '/');
  const readyz = await pod.url(WEB, '/readyz');
  pod.run.child.kill('SIGTERM');
  let failures = 0;
  let requests = 0;
  let notReady = false;
  // web keeps serving for SHUTDOWN_DELAY (5 s) while /readyz says 503, so that a Service stops
  // sending it traffic before it closes: requests in that window must all succeed.
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    requests += 1;
    try {
      if ((await fetch(url)).status !== 200) failures += 1;
    } catch {
      failures += 1;
    }
    if ((await fetch(readyz).catch(() => undefined))?.status === 503) notReady = true;
  }
  assert.equal(failures, 0, `${failures} of ${requests} requests failed`);
  assert.ok(notReady, '/readyz turned 503 at SIGTERM');
  assert.equal(await pod.run.exited, 0);
  const stops = pod
    .events()
    .filter((e) => e.type === 'signal' || e.type === 'exit')
    .filter((e) => e.container !== 'config-init')
    .map((e) => `${e.type === 'signal' ? e.signal : `exit ${e.code}`} ${e.container}`);
  // Every probe k8s/demo.yaml declares answered the running apps: each startup or readiness
  // probe passed on the way to pod-ready, each liveness probe passed, and none ever failed.
  const all = pod.events();
  for (const name of ['redis-ambassador', 'git-sync', 'metrics-adapter', 'web'])
    assert.ok(
      all.some((e) => e.type === 'probe-passed' && e.container === name),
      `${name}'s liveness probe passed`,
    );
  assert.deepEqual(
    all.filter((e) => e.type === 'probe-failed' || e.type === 'backoff'),
    [],
  );
  assert.deepEqual(stops, [
    'SIGTERM web',
    'exit 0 web',
    'SIGTERM metrics-adapter',
    'exit 0 metrics-adapter',
    'SIGTERM git-sync',
    'exit 0 git-sync',
    'SIGTERM http-ambassador',
    'exit 0 http-ambassador',
    'SIGTERM redis-ambassador',
    'exit 0 redis-ambassador',
  ]);
});

test('with the config API down at start, the app never starts, config-init retries, and the pod comes up once it is back', async () => {
  const down = await startDemoPod({ configApiDown: true });
  try {
    await waitFor(
      () => (down.run.stdout().match(/^config-init +\| WARN +attempt failed/gm) ?? []).length >= 2,
      30_000,
      'two failed attempts',
    );
    const early = down.events();
    assert.equal(
      early.filter((e) => e.type === 'start' && e.container !== 'config-init').length,
      0,
      'nothing after config-init started',
    );
    assert.match(down.run.stdout(), /status +\| demo-podrun-0 Init:0\/5/);
    await down.outside.configApi.start();
    await down.waitForEvent((e) => e.type === 'pod-ready', 60_000);
    assert.equal(down.events().find((e) => e.type === 'exit' && e.container === 'config-init')?.code, 0);
  } finally {
    await down.stop();
  }
});

test('a misconfigured manifest: the container exits 78, its message is in the status, and nothing after it starts', async () => {
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'k8s', 'kubernetes-manifests.yaml'), 'utf8')).map((d) =>
    d.toJS(),
  );
  const demo = docs.find((d) => d?.kind === 'Deployment' && d.metadata.name === 'demo');
  const ambassador = demo.spec.template.spec.initContainers.find(
    (c: { name: string }) => c.name === 'redis-ambassador',
  );
  ambassador.env.find((e: { name: string }) => e.name === 'AMBASSADOR_LISTEN').value = 'not-an-address';
  const file = join(tempDir('demo-bad-'), 'manifests.yaml');
  writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  const outside = await startOutside();
  const bad = await startDemoPod({ source: file, outside });
  try {
    const exit = await bad.waitForEvent((e) => e.type === 'exit' && e.container === 'redis-ambassador');
    assert.equal(exit.code, 78);
    assert.match(String(exit.message), /AMBASSADOR_LISTEN/);
    await bad.waitForEvent((e) => e.type === 'backoff' && e.container === 'redis-ambassador');
    // podrun's stdout pipe can lag its event file: wait for the lines rather than read them now.
    for (const line of [
      /status +\| .*redis-ambassador (Exit 78|CrashLoopBackOff)/,
      /redis-ambassador: exited 78: .*AMBASSADOR_LISTEN/,
    ])
      await waitFor(() => line.test(bad.run.stdout()), 30_000, `podrun to print ${line}`);
    const after = bad
      .events()
      .filter((e) => e.type === 'start')
      .map((e) => e.container);
    assert.deepEqual([...new Set(after)], ['config-init', 'redis-ambassador']);
  } finally {
    await bad.stop();
    await outside.stop();
  }
});

test('without Redis the pod still comes up: pages render and /_pod says why the counter is unavailable', async () => {
  const outside = await startOutside({ redis: false });
  const bare = await startDemoPod({ outside });
  try {
    await bare.waitForEvent((e) => e.type === 'pod-ready', 90_000);
    assert.equal((await fetch(await bare.url(WEB, '/'))).status, 200);
    const s = (await (await fetch(await bare.url(WEB, '/_pod/status'))).json()) as Status;
    assert.equal(s.visits.ok, false);
    assert.ok(s.visits.reason && s.visits.reason.length > 0, 'with a reason');
    assert.match(await (await fetch(await bare.url(WEB, '/_pod'))).text(), /Redis unavailable: /);
  } finally {
    await bare.stop();
    await outside.stop();
  }
});
