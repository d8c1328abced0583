// npm run demo -- --pattern <p>: each of k8s/patterns' four Pods runs alone under podrun, with
// what it needs outside itself, and shows its one pattern at work; SIGTERM stops it cleanly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnNode, tempDir, waitFor } from '@pod-patterns/testing';
import { repoRoot } from '../src/outside.js';
import { PATTERNS, type Pattern } from '../src/patterns.js';
import { readEvents } from '../src/pod-events.js';
import { checkPicture, newPage, openBrowser } from './browser.js';
import { hasKubectl, noRedis, type PodEvent } from './helpers.js';

const demoMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const configVersion = (
  JSON.parse(readFileSync(join(repoRoot, 'k8s/demo/config/app.json'), 'utf8')) as { version: string }
).version;

interface Status {
  config: { version: string };
  content: { revision: string | null };
  visits: { ok: boolean; total?: number };
  announcements: { ok: boolean };
}

/** What each Pod must show once ready: its pattern, at work. */
const SHOWS: Record<Pattern, (base: string, address: string, events: PodEvent[]) => Promise<void>> = {
  async init(base, _address, events) {
    const status = (await (await fetch(`${base}/_pod/status`)).json()) as Status;
    assert.equal(status.config.version, configVersion, 'web reads the config config-init fetched');
    const exit = events.findIndex((e) => e.type === 'exit' && e.container === 'config-init' && e.code === 0);
    const web = events.findIndex((e) => e.type === 'start' && e.container === 'web');
    assert.ok(exit >= 0 && exit < web, 'config-init ran to completion before web started');
  },
  async sidecar(base) {
    const status = (await (await fetch(`${base}/_pod/status`)).json()) as Status;
    assert.match(status.content.revision ?? '', /^[0-9a-f]{40}$/, 'web serves a revision git-sync published');
    assert.equal((await fetch(`${base}/`)).status, 200);
  },
  async adapter(base, address) {
    await fetch(`${base}/`);
    const metrics = await (await fetch(`http://${address}:9102/metrics`)).text();
    assert.match(metrics, /^web_http_requests_total\{/m, "web's stats as Prometheus metrics");
  },
  async ambassador(base) {
    assert.equal((await fetch(`${base}/`)).status, 200);
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/_pod/status`)).json()) as Status;
        return s.visits.ok && (s.visits.total ?? 0) >= 1 && s.announcements.ok ? s : undefined;
      },
      15_000,
      'a visit counted through redis-ambassador and announcements through http-ambassador',
    );
    assert.ok(status);
  },
};

for (const pattern of PATTERNS)
  test(`npm run demo -- --pattern ${pattern}: k8s/patterns/${pattern} alone, ready, its pattern at work; SIGTERM stops it`, {
    skip: !hasKubectl ? 'kubectl renders k8s/patterns' : pattern === 'ambassador' && noRedis,
    timeout: 120_000,
  }, async () => {
    const eventsFile = join(tempDir(`pattern-${pattern}-`), 'events.jsonl');
    const demo = spawnNode(demoMain, ['--pattern', pattern, '--events', eventsFile, '--backoff-scale', '0.05']);
    const events = () => readEvents(eventsFile);
    try {
      await waitFor(
        () => {
          if (demo.child.exitCode !== null) throw new Error(`the demo exited: ${demo.stdout().slice(-2000)}`);
          return events().some((e) => e.type === 'pod-ready');
        },
        90_000,
        `pattern-${pattern} to be ready`,
      );
      assert.match(demo.stdout(), new RegExp(`the ${pattern} pattern alone: k8s/patterns/${pattern}`));
      const address = String(events().find((e) => e.type === 'pod-starting')?.address);
      await SHOWS[pattern](`http://${address}:8080`, address, events());
      // /_pod draws this smaller pod, from its own manifest, with its pattern's walkthrough.
      const browser = await openBrowser();
      try {
        const page = await newPage(browser);
        const manifest = join(repoRoot, 'k8s', 'patterns', pattern, 'pod.yaml');
        await checkPicture(page, `http://${address}:8080`, manifest, `Pod/pattern-${pattern}`);
        await page.goto(`http://${address}:8080/_pod`);
        const walkthroughs = await page
          .locator('details[data-pattern]')
          .evaluateAll((ds) => ds.map((d) => d.getAttribute('data-pattern')));
        assert.deepEqual(walkthroughs, [pattern === 'adapter' ? 'adapter' : pattern], 'its one walkthrough');
      } finally {
        await browser.close();
      }
    } finally {
      // Awaited even when the test failed: the demo then stops its pod in order. Left running, a
      // failed test's pod outlived the test file (on Node 24, which ends a file once its tests are done).
      demo.child.kill('SIGTERM');
      await Promise.race([demo.exited, new Promise((r) => setTimeout(r, 45_000))]);
      demo.kill(); // only one that did not stop in time
    }
    assert.equal(await demo.exited, 0, demo.stdout().slice(-2000));
  });

test('npm run demo -- --pattern with an unknown pattern: the list, exit 2, nothing started', async () => {
  const demo = spawnNode(demoMain, ['--pattern', 'sidecars']);
  assert.equal(await demo.exited, 2);
  assert.match(demo.stderr(), /--pattern sidecars: expected one of init, sidecar, adapter, ambassador/);
});
