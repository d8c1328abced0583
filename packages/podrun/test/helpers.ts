// Runs the real podrun CLI on a manifest written for the test, with `fake` mapped to
// fixtures/fake-app.mjs, a hundredth of the kubelet's backoff, and an event log to read.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode, tempDir, waitFor } from '@pod-patterns/testing';
import type { PodEvent } from '../src/events.js';
import type { Container, PodSpec } from '../src/types.js';

export const podrunEntry = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const fakeApp = fileURLToPath(new URL('./fixtures/fake-app.mjs', import.meta.url));

/** A container of the fake image; env as a plain object. */
export function fake(name: string, env: Record<string, string> = {}, extra: Partial<Container> = {}): Container {
  return {
    name,
    image: 'fake:1',
    env: Object.entries({ NAME: name, ...env }).map(([n, value]) => ({ name: n, value })),
    ...extra,
  };
}

export const pod = (spec: PodSpec, name = 'test') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });

export interface PodrunRun extends Running {
  dir: string;
  events(): PodEvent[];
  waitForEvent(match: (e: PodEvent) => boolean, timeoutMs?: number): Promise<PodEvent>;
  /** Lines podrun printed for the pod's status (stdout is not a terminal here). */
  statusLines(): string[];
  /**
   * Waits until each named fixture has logged that it started: a signal sent before then would
   * reach a process that has not installed its handler yet (in a real pod too).
   */
  waitForStarted(...containers: string[]): Promise<void>;
}

export function runPodrun(objects: object[], args: string[] = []): PodrunRun {
  const dir = tempDir('podrun-test-');
  const manifest = join(dir, 'manifest.yaml');
  // JSON is YAML: one document per object.
  writeFileSync(manifest, objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  const eventsFile = join(dir, 'events.jsonl');
  const run = spawnNode(podrunEntry, [
    manifest,
    '--image',
    `fake=node ${fakeApp}`,
    '--backoff-scale',
    '0.01',
    '--events',
    eventsFile,
    ...args,
  ]);
  const events = () => {
    let text = '';
    try {
      text = readFileSync(eventsFile, 'utf8');
    } catch {}
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as PodEvent);
  };
  return Object.assign(run, {
    dir,
    events,
    async waitForEvent(match: (e: PodEvent) => boolean, timeoutMs = 30_000) {
      await waitFor(() => events().some(match), timeoutMs, 'a podrun event');
      return events().find(match) as PodEvent;
    },
    async waitForStarted(...containers: string[]) {
      for (const name of containers)
        await waitFor(
          () => new RegExp(`^${name} +\\| INFO +started`, 'm').test(run.stdout()),
          30_000,
          `${name} to start`,
        );
    },
    statusLines: () =>
      run
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('status')),
  });
}

/** The index of the first event that matches, for ordering checks (-1 when none does). */
export const indexOf = (events: PodEvent[], type: string, container?: string) =>
  events.findIndex((e) => e.type === type && (container === undefined || e.container === container));
