// /_pod in a real browser (Debian's chromium through playwright-core), checked against the
// manifest the pod was started from, read here with the yaml library on its own, not with
// web's parser: the containers in spec order, the shared volumes and every mountPath, the
// manifest view opening at a clicked container's lines, keyboard focus, and axe-core.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { parseAllDocuments } from 'yaml';

/** A page in a browser context of its own (axe-core needs one). */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

export async function openBrowser(): Promise<Browser> {
  return chromium.launch({
    // Debian's chromium; CHROMIUM_PATH for another browser (GitHub's Ubuntu runners ship Chrome).
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}

interface SpecContainer {
  name: string;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** The pod's containers in the kubelet's order, from the manifest file itself. */
export function specContainers(file: string, object: string): SpecContainer[] {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    type PodSpec = { initContainers?: SpecContainer[]; containers: SpecContainer[] };
    const o = doc.toJS() as {
      kind?: string;
      metadata?: { name?: string };
      spec?: PodSpec & { template?: { spec: PodSpec } };
    } | null;
    if (!o?.spec || `${o.kind}/${o.metadata?.name}` !== object) continue;
    const spec = o.kind === 'Pod' ? o.spec : (o.spec.template?.spec as PodSpec);
    return [...(spec.initContainers ?? []), ...spec.containers];
  }
  throw new Error(`${object} is not in ${file}`);
}

/** No axe violation of serious or critical impact, listed by rule when there is one. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe on ${what}`,
  );
}

/** The checks every pod's /_pod passes, the demo pod's and each pattern pod's alike. */
export async function checkPicture(page: Page, base: string, manifest: string, object: string): Promise<void> {
  const spec = specContainers(manifest, object);
  await page.goto(`${base}/_pod`);

  // The containers, in spec order.
  const boxes = await page.locator('#picture a.container').evaluateAll((as) => as.map((a) => a.id));
  assert.deepEqual(
    boxes,
    spec.map((c) => `box-${c.name}`),
    'the boxes are the containers of the manifest, in spec order',
  );

  // Every mount, in words, and a box of its own for each volume two containers share.
  for (const c of spec) {
    const mounts = (await page.locator(`#picture-words tr[data-name="${c.name}"] td:last-child`).textContent()) ?? '';
    for (const m of c.volumeMounts ?? [])
      assert.ok(
        mounts.includes(`${m.name} at ${m.mountPath}${m.readOnly ? ' (read-only)' : ''}`),
        `${c.name} mounts ${m.name} at ${m.mountPath}: ${mounts}`,
      );
  }
  const mountedBy = new Map<string, string[]>();
  for (const c of spec)
    for (const m of c.volumeMounts ?? []) mountedBy.set(m.name, [...(mountedBy.get(m.name) ?? []), c.name]);
  const shared = [...mountedBy].filter(([, who]) => who.length > 1).map(([name]) => `volume-${name}`);
  const volumes = await page.locator('#picture a.volume').evaluateAll((as) => as.map((a) => a.id));
  assert.deepEqual(volumes.sort(), shared.sort(), 'a box for each shared volume');
  for (const c of spec)
    for (const m of c.volumeMounts ?? [])
      if (shared.includes(`volume-${m.name}`))
        assert.ok(
          (await page
            .locator('#picture text.mount-label', { hasText: `${m.mountPath} (${m.readOnly ? 'ro' : 'rw'})` })
            .count()) > 0,
          `the link to ${m.name} is labelled ${m.mountPath}`,
        );

  // Keyboard: Tab reaches the containers, in order after the button.
  await page.locator('#traffic button').focus();
  await page.keyboard.press('Tab');
  const focused = await page.locator(':focus').getAttribute('id');
  assert.equal(focused, boxes[0], 'Tab goes from the button to the first box');

  await assertAccessible(page, `${base}/_pod`);

  // Under npm run demo, the commands name this pod's address, as the page was opened.
  const addresses = await page.locator('.pod-address').allTextContents();
  if ((await page.locator('#walk-adapter').count()) > 0) assert.ok(addresses.length > 0, 'the adapter’s curl names it');
  for (const address of addresses) assert.equal(address, new URL(base).hostname);

  // A walkthrough highlights its containers, and survives the next live update.
  const walkthrough = page.locator('details[data-pattern]').first();
  const pattern = (await walkthrough.getAttribute('data-pattern')) as string;
  await walkthrough.locator('summary').click();
  await walkthrough.locator('button.focus-pattern').click();
  await new Promise((r) => setTimeout(r, 1500)); // past an update of /_pod/events
  assert.equal(await page.locator('#picture').getAttribute('data-focus'), pattern);
  assert.equal(await page.locator(`#focus-${pattern}`).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator(`details#walk-${pattern}`).getAttribute('open'), '', 'still open');
  // Read in one go from the body, which stays: a live update replaces the picture every second,
  // and a box read across one is detached, its computed opacity '' (seen as 0 on a loaded machine).
  // (No named function inside: tsx would wrap it in a __name() the browser does not have.)
  const [own, other] = await page.locator('body').evaluate(
    (body, focused) =>
      [`[data-pattern="${focused}"]`, `:not([data-pattern="${focused}"])`].map((selector) => {
        const el = body.querySelector(`#picture a.container${selector}`);
        const style = el && body.ownerDocument.defaultView?.getComputedStyle(el);
        return { id: el?.id, opacity: Number(style?.opacity ?? Number.NaN) };
      }),
    pattern,
  );
  assert.equal(own?.opacity, 1, `${own?.id} stays`);
  assert.ok((other?.opacity ?? 1) < 0.5, `${other?.id} dims`);

  // Clicking a container opens the manifest at its lines.
  const last = spec.at(-1) as SpecContainer;
  await page.locator(`#box-${last.name}`).click();
  await page.waitForURL(/\/_pod\/manifest\?lines=\d+-\d+#L\d+$/);
  await page.waitForLoadState('load');
  const from = Number(/#L(\d+)$/.exec(page.url())?.[1]);
  const line = page.locator(`#L${from}`);
  assert.match((await line.textContent()) ?? '', new RegExp(`- name: ${last.name}$`));
  assert.equal(await line.getAttribute('class'), 'hl');
  assert.ok(await line.isVisible());
  const box = await line.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(
    box && viewport && box.y > -box.height && box.y < viewport.height,
    `scrolled to the line: ${JSON.stringify(box)}`,
  );
  await assertAccessible(page, 'the manifest view');
}
