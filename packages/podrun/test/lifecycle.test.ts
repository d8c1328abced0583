// Kubernetes' pod lifecycle, as podrun runs it: each rule against the real CLI, with real
// processes (fixtures/fake-app.mjs) and real probes, read back from the event log.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { tempDir, waitFor } from '@pod-patterns/testing';
import { fake, indexOf, type PodrunRun, pod, runPodrun } from './helpers.js';

const runs: PodrunRun[] = [];
const start = (...args: Parameters<typeof runPodrun>) => {
  const run = runPodrun(...args);
  runs.push(run);
  return run;
};
// Stopped as a user would (SIGTERM), so podrun stops its containers and removes its folder;
// SIGKILL only for one that does not finish in time.
after(async () => {
  await Promise.all(
    runs.map(async (run) => {
      if (run.child.exitCode !== null || run.child.signalCode !== null) return;
      run.child.kill('SIGTERM');
      await Promise.race([run.exited, new Promise((r) => setTimeout(r, 5000))]);
      run.kill();
    }),
  );
});
const fastHttp = (path: string, port: string, extra = {}) => ({
  httpGet: { path, port },
  periodSeconds: 0.05,
  failureThreshold: 200,
  ...extra,
});
const listen = { ports: [{ name: 'http', containerPort: 0 }] };
/** A fixture container listening on a free port (the pod's address is podrun's choice). */
let nextPort = 20_000 + Math.floor(Math.random() * 20_000);
const serving = (name: string, env: Record<string, string> = {}, extra = {}) => {
  const port = nextPort++;
  return fake(
    name,
    { LISTEN: `0.0.0.0:${port}`, ...env },
    { ...listen, ports: [{ name: 'http', containerPort: port }], ...extra },
  );
};

test('init containers run one at a time, in order, each to exit 0, before the app', async () => {
  const run = start([
    pod({
      initContainers: [fake('first', { EXIT_AFTER_MS: '150' }), fake('second', { EXIT_AFTER_MS: '50' })],
      containers: [fake('app')],
    }),
  ]);
  await run.waitForEvent((e) => e.type === 'start' && e.container === 'app');
  const events = run.events();
  assert.ok(indexOf(events, 'exit', 'first') < indexOf(events, 'start', 'second'), 'second starts after first exits');
  assert.ok(indexOf(events, 'exit', 'second') < indexOf(events, 'start', 'app'), 'app starts after second exits');
  assert.deepEqual(
    events.filter((e) => e.type === 'exit').map((e) => [e.container, e.code]),
    [
      ['first', 0],
      ['second', 0],
    ],
  );
});

test("a failed init container is retried with the kubelet's doubling backoff, showing Init:Error and Init:CrashLoopBackOff", async () => {
  const starts = `${tempDir('podrun-starts-')}/starts`;
  const run = start([
    pod({
      initContainers: [fake('flaky', { APPEND: starts, FAIL_FIRST: '3', EXIT_AFTER_MS: '0' })],
      containers: [fake('app')],
    }),
  ]);
  await run.waitForEvent((e) => e.type === 'start' && e.container === 'app');
  const events = run.events();
  assert.deepEqual(
    events.filter((e) => e.container === 'flaky' && e.type === 'exit').map((e) => e.code),
    [1, 1, 1, 0],
  );
  // 10 s, 20 s, 40 s at a hundredth of the scale.
  assert.deepEqual(
    events.filter((e) => e.type === 'backoff').map((e) => e.ms),
    [100, 200, 400],
  );
  const status = run.statusLines().join('\n');
  assert.match(status, /Init:Error/);
  assert.match(status, /Init:CrashLoopBackOff/);
  assert.match(run.stdout(), /flaky: exited 1: failing on purpose/);
});

test('with restartPolicy Never a failed init container fails the pod: the app never starts and podrun exits 1', async () => {
  const run = start([
    pod({
      restartPolicy: 'Never',
      initContainers: [fake('broken', { EXIT_AFTER_MS: '0', EXIT_CODE: '2' })],
      containers: [fake('app')],
    }),
  ]);
  assert.equal(await run.exited, 1);
  assert.equal(indexOf(run.events(), 'start', 'app'), -1);
  assert.equal(indexOf(run.events(), 'backoff'), -1);
});

test('native sidecars start in order, each next container waiting for the startup probe (httpGet, tcpSocket, exec)', async () => {
  const http = serving('http-sidecar', { READY_AFTER_MS: '300' }, { restartPolicy: 'Always' });
  http.startupProbe = fastHttp('/readyz', 'http');
  const tcp = serving('tcp-sidecar', { LISTEN_AFTER_MS: '300' }, { restartPolicy: 'Always' });
  tcp.startupProbe = { tcpSocket: { port: 'http' }, periodSeconds: 0.05, failureThreshold: 200 };
  const exec = fake(
    'exec-sidecar',
    { WRITE: '/shared/ready=yes' },
    {
      restartPolicy: 'Always',
      volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
      startupProbe: { exec: { command: ['test', '-f', '/shared/ready'] }, periodSeconds: 0.05, failureThreshold: 200 },
    },
  );
  const run = start([
    pod({ initContainers: [http, tcp, exec], containers: [fake('app')], volumes: [{ name: 'shared', emptyDir: {} }] }),
  ]);
  await run.waitForEvent((e) => e.type === 'pod-ready');
  const events = run.events();
  const order = ['http-sidecar', 'tcp-sidecar', 'exec-sidecar', 'app'];
  for (const [i, name] of order.slice(0, -1).entries()) {
    const next = order[i + 1] as string;
    assert.ok(
      indexOf(events, 'started', name) < indexOf(events, 'start', next),
      `${next} waits for ${name}'s startup probe`,
    );
  }
  const httpStarted = events.find((e) => e.type === 'started' && e.container === 'http-sidecar');
  const httpStart = events.find((e) => e.type === 'start' && e.container === 'http-sidecar');
  assert.ok(
    Date.parse(httpStarted?.time ?? '') - Date.parse(httpStart?.time ?? '') >= 250,
    'the probe held it ~300 ms',
  );
});

test('readiness is polled and shown, and the pod is ready only when every container is', async () => {
  const app = serving('app', { READY_AFTER_MS: '400' });
  app.readinessProbe = { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 0.05 };
  const run = start([pod({ containers: [app] })]);
  const ready = await run.waitForEvent((e) => e.type === 'pod-ready');
  const events = run.events();
  assert.ok(indexOf(events, 'ready', 'app') < indexOf(events, 'pod-ready'));
  const started = events.find((e) => e.type === 'start');
  assert.ok(Date.parse(ready.time) - Date.parse(started?.time ?? '') >= 350);
  // The event is written before the line reaches this process's pipe: wait for the line.
  await waitFor(() => /pod ready: open http:\/\/127\.[\d.]+:\d+\//.test(run.stdout()), 30_000, 'the URL to open');
  assert.match(run.statusLines().join('\n'), /Running 0\/1 ready[\s\S]*Running 1\/1 ready/);
});

test('a failed liveness probe restarts the container', async () => {
  // The app turns sick when the test says so (a file appears), not on a timer a loaded machine
  // could outrun; the startup probe holds liveness back until it listens, as in a real pod.
  const sick = `${tempDir('podrun-sick-')}/sick`;
  const app = serving('app', { SICK_FILE: sick, TERM_DELAY_MS: '0' });
  app.startupProbe = fastHttp('/healthz', 'http');
  app.livenessProbe = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 0.05, failureThreshold: 2 };
  const run = start([pod({ containers: [app], terminationGracePeriodSeconds: 2 })]);
  await run.waitForEvent((e) => e.type === 'started' && e.container === 'app');
  assert.equal(indexOf(run.events(), 'probe-failed'), -1, 'healthy so far');
  writeFileSync(sick, '');
  await waitStarts(run, 'app', 2);
  const failed = run.events().find((e) => e.type === 'probe-failed');
  assert.equal(failed?.probe, 'liveness');
  assert.match(String(failed?.detail), /500/);
  assert.ok(indexOf(run.events(), 'exit', 'app') < run.events().findLastIndex((e) => e.type === 'start'));
});

async function waitStarts(run: PodrunRun, container: string, count: number) {
  await run.waitForEvent(
    () => run.events().filter((e) => e.type === 'start' && e.container === container).length >= count,
  );
}

test('restarts follow the restartPolicy: OnFailure restarts a failed app, with backoff, and leaves a finished one', async () => {
  const starts = `${tempDir('podrun-starts-')}/starts`;
  const run = start([
    pod({
      restartPolicy: 'OnFailure',
      containers: [
        fake('done', { EXIT_AFTER_MS: '50', EXIT_CODE: '0' }),
        fake('crashy', { APPEND: starts, FAIL_FIRST: '1' }),
      ],
    }),
  ]);
  await waitStarts(run, 'crashy', 2);
  await new Promise((r) => setTimeout(r, 300));
  const events = run.events();
  assert.equal(events.filter((e) => e.type === 'start' && e.container === 'done').length, 1);
  assert.deepEqual(
    events.filter((e) => e.type === 'backoff').map((e) => [e.container, e.ms]),
    [['crashy', 100]],
  );
});

test('restartPolicy Always restarts an app container that exited 0', async () => {
  const run = start([pod({ containers: [fake('job', { EXIT_AFTER_MS: '50' })] })]);
  await waitStarts(run, 'job', 3);
  assert.deepEqual(
    run
      .events()
      .filter((e) => e.type === 'backoff')
      .slice(0, 2)
      .map((e) => e.ms),
    [100, 200],
  );
});

test('SIGTERM stops the app containers first, then the sidecars one at a time in reverse order', async () => {
  const sidecar = (name: string) => fake(name, { TERM_DELAY_MS: '150' }, { restartPolicy: 'Always' });
  const run = start([
    pod({
      initContainers: [sidecar('first-sidecar'), sidecar('second-sidecar')],
      containers: [fake('app-a', { TERM_DELAY_MS: '300' }), fake('app-b', { TERM_DELAY_MS: '100' })],
    }),
  ]);
  await run.waitForEvent((e) => e.type === 'pod-ready');
  await run.waitForStarted('first-sidecar', 'second-sidecar', 'app-a', 'app-b');
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  const stops = run
    .events()
    .filter((e) => e.type === 'signal' || e.type === 'exit')
    .map((e) => `${e.type === 'signal' ? e.signal : 'exit'} ${e.container}`);
  assert.deepEqual(stops.slice(0, 2).sort(), ['SIGTERM app-a', 'SIGTERM app-b']);
  assert.deepEqual(stops.slice(2), [
    'exit app-b',
    'exit app-a',
    'SIGTERM second-sidecar',
    'exit second-sidecar',
    'SIGTERM first-sidecar',
    'exit first-sidecar',
  ]);
  assert.ok(
    run.events().every((e) => e.type !== 'exit' || e.code === 0),
    'every container exited 0',
  );
});

test('a container still running at terminationGracePeriodSeconds gets SIGKILL (exit 137)', async () => {
  const run = start([pod({ terminationGracePeriodSeconds: 1, containers: [fake('stubborn', { IGNORE_TERM: '1' })] })]);
  await run.waitForStarted('stubborn');
  const sent = Date.now();
  run.child.kill('SIGTERM');
  await run.exited;
  const took = Date.now() - sent;
  const events = run.events();
  assert.equal(events.find((e) => e.type === 'exit')?.code, 137);
  assert.match(String(events.find((e) => e.signal === 'SIGKILL')?.why), /terminationGracePeriodSeconds/);
  assert.ok(took >= 900 && took < 5000, `stopped after ${took} ms`);
});

test('a second signal, a second later, kills every container at once', async () => {
  const run = start([pod({ terminationGracePeriodSeconds: 60, containers: [fake('stubborn', { IGNORE_TERM: '1' })] })]);
  await run.waitForStarted('stubborn');
  run.child.kill('SIGINT');
  run.child.kill('SIGINT'); // the same Ctrl-C, from npm and from the terminal: counts once
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(indexOf(run.events(), 'exit'), -1, 'still draining after the first');
  run.child.kill('SIGINT');
  await run.exited;
  assert.equal(run.events().find((e) => e.type === 'exit')?.code, 137);
  assert.equal(run.events().find((e) => e.signal === 'SIGKILL')?.why, 'asked twice');
});

test("a container's exit code and message show in the status; those after it are not started", async () => {
  const broken = fake(
    'broken-sidecar',
    {
      EXIT_AFTER_MS: '0',
      EXIT_CODE: '78',
      MESSAGE: 'REDIS_SERVERS: expected host:port',
      TERMINATION_LOG: '/dev/termination-log',
    },
    // Its startup probe is what holds the app: it never passes.
    { restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 1 }, periodSeconds: 0.05, failureThreshold: 1000 } },
  );
  const run = start([pod({ initContainers: [broken], containers: [fake('app')] })]);
  await run.waitForEvent(() => run.events().filter((e) => e.type === 'exit').length >= 2);
  const exit = run.events().find((e) => e.type === 'exit');
  assert.equal(exit?.code, 78);
  assert.equal(exit?.message, 'REDIS_SERVERS: expected host:port');
  assert.match(run.statusLines().join('\n'), /broken-sidecar Exit 78/);
  assert.match(run.stdout(), /broken-sidecar: exited 78: REDIS_SERVERS: expected host:port/);
  assert.equal(indexOf(run.events(), 'start', 'app'), -1);
});

test('an env value from a missing key is CreateContainerConfigError, and the container never starts', async () => {
  const app = fake('app');
  app.env?.push({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'absent', key: 'token' } } });
  const run = start([pod({ containers: [app] })]);
  await run.waitForEvent((e) => e.type === 'error');
  assert.match(
    String(run.events().find((e) => e.type === 'error')?.message),
    /Secret default\/absent is not in the manifests/,
  );
  await waitFor(() => /app CreateContainerConfigError/.test(run.statusLines().join('\n')), 30_000, 'the status line');
  assert.equal(indexOf(run.events(), 'start', 'app'), -1);
});

test('an image that is not of this repository is refused, by name, unless mapped', async () => {
  const run = start([pod({ containers: [{ name: 'cache', image: 'redis:7.4.2' }] })]);
  assert.equal(await run.exited, 1);
  assert.match(run.stderr(), /image redis:7\.4\.2 is not one of this repository's.*--image redis=COMMAND/);
});

test('the pod gets a loopback address of its own, and a port already taken there is named before anything starts', async () => {
  const own = start([pod({ containers: [fake('app')] })]);
  const starting = await own.waitForEvent((e) => e.type === 'pod-starting');
  assert.match(String(starting.address), /^127\./);
  assert.notEqual(starting.address, '127.0.0.1');

  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const port = (squatter.address() as { port: number }).port;
  const clash = start(
    [pod({ containers: [serving('web', {}, { ports: [{ name: 'http', containerPort: port }] })] })],
    ['--address', '127.0.0.1'],
  );
  assert.equal(await clash.exited, 1);
  squatter.close();
  assert.match(clash.stderr(), new RegExp(`ports the pod needs are in use: 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
  assert.equal(clash.events().length, 0, 'nothing started');
});

test('under restartPolicy Never, the pod completes when its app containers have: sidecars stop, and the exit says whether all succeeded', async () => {
  const sidecar = fake('helper', { TERM_DELAY_MS: '50' }, { restartPolicy: 'Always' });
  const ok = start([
    pod({ restartPolicy: 'Never', initContainers: [sidecar], containers: [fake('job', { EXIT_AFTER_MS: '300' })] }),
  ]);
  // Not the sidecar's own "started" line: on a loaded machine the job may be done before the
  // sidecar's Node has booted far enough to log it, and the sidecar is then stopped first.
  assert.equal(await ok.exited, 0);
  const events = ok.events();
  assert.ok(indexOf(events, 'start', 'helper') < indexOf(events, 'start', 'job'), 'the sidecar starts first');
  assert.ok(indexOf(events, 'exit', 'job') < indexOf(events, 'signal', 'helper'), 'the sidecar stops after the job');
  assert.equal(indexOf(events, 'backoff'), -1, 'nothing restarted');

  const failing = start([
    pod({ restartPolicy: 'Never', containers: [fake('job', { EXIT_AFTER_MS: '100', EXIT_CODE: '3' })] }),
  ]);
  assert.equal(await failing.exited, 1);
});

test("a probe's initialDelaySeconds passes before its first try", async () => {
  const app = serving('app');
  app.readinessProbe = { httpGet: { path: '/readyz', port: 'http' }, initialDelaySeconds: 0.6, periodSeconds: 0.05 };
  const run = start([pod({ containers: [app] })]);
  const ready = await run.waitForEvent((e) => e.type === 'ready');
  const started = run.events().find((e) => e.type === 'start');
  assert.ok(Date.parse(ready.time) - Date.parse(started?.time ?? '') >= 550, 'not probed before the delay');
});
