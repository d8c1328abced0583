// The facts /_pod shows and /_pod/status returns: what each helper container did for this app,
// read from what they left behind (the config file, the content link, the Redis counter), from
// their health endpoints and from the status document each serves on its ops port (config-init,
// which exits, leaves its document beside the config). The documents are read at most once a
// second, however many dashboards are open.
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { BodyTooLargeError, readBoundedBody } from '@pod-patterns/kit';

import type { Announcements, AnnouncementsStatus } from './announcements.js';
import type { AppConfigHolder } from './app-config.js';
import { publicConfig } from './app-config.js';
import type { ContentSource } from './content.js';
import { type HelperReport, helperReport } from './helper-reports.js';
import type { PodManifest } from './pod-manifest.js';
import type { KeyWrites, VisitCounter, VisitTotals } from './visits.js';

/** What a container does here, by its name where one pattern has two containers. */
export const ROLES: Record<string, string> = {
  'redis-ambassador': 'brokers Redis for the app, which only knows 127.0.0.1:6379',
  'http-ambassador': 'brokers the config API over HTTP for the app, which only knows 127.0.0.1:8081',
};

export const PATTERNS: Record<string, string> = {
  init: 'ran to completion before the app started: fetched and validated the config',
  sidecar: 'runs beside the app: keeps the site synced from git and swaps revisions atomically',
  ambassador: 'brokers Redis for the app, which only knows 127.0.0.1:6379',
  adapter: "turns the app's JSON stats into Prometheus metrics",
  main: 'the app itself: serves the site and this page',
};

export interface ContainerSpec {
  name: string;
  pattern: string;
  healthUrl?: string;
}

/** Parses `name:pattern[@health-url]`, comma-separated. */
export function parseContainers(text: string): ContainerSpec[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('@');
      const [name = '', pattern = 'unknown'] = (at < 0 ? entry : entry.slice(0, at)).split(':');
      return at < 0 ? { name, pattern } : { name, pattern, healthUrl: entry.slice(at + 1) };
    });
}

/** A helper's status document, as read from it (README of each app, "Status document"). */
export interface HelperStatus {
  url: string;
  ok: boolean;
  report: HelperReport | null;
  error: string | null;
}

/** The reports of one kind, with the container that made each. */
export function reportsOf<K extends HelperReport['kind']>(
  status: Pick<PodStatus, 'helpers'>,
  kind: K,
): [string, Extract<HelperReport, { kind: K }>][] {
  return Object.entries(status.helpers).flatMap(([name, h]) =>
    h.report?.kind === kind ? [[name, h.report as Extract<HelperReport, { kind: K }>]] : [],
  );
}

export type Runtime = 'kubernetes' | 'compose' | 'podrun' | 'unknown';

export interface PodStatus {
  pod: {
    name: string | null;
    namespace: string | null;
    node: string | null;
    uptime_seconds: number;
    runtime: Runtime;
  };
  /** The pod as its manifest declares it (its text is served at /_pod/manifest). */
  manifest: Omit<PodManifest, 'text'>;
  config: {
    file: string;
    generation: string | null;
    fetched_at: string;
    loaded_at: string;
    version: string;
    values: unknown;
  };
  content: { link: string; revision: string | null; changed_at: string | null; changes: number };
  visits: VisitTotals;
  /** Read through the HTTP ambassador, with what it did. */
  announcements: AnnouncementsStatus;
  /** Reads of /stats, each one a scrape of the adapter's /metrics. */
  stats_reads: { count: number; last_at: string | null };
  containers: { name: string; pattern: string; role: string; health: string }[];
  /** Each helper's status document, by container name; config-init's is read from its file. */
  helpers: Record<string, HelperStatus>;
  /** The keys web wrote through the Redis ambassador, each with the server the ambassador says it goes to. */
  visit_keys: (KeyWrites & { server: string | null })[];
}

export interface PodStatusSources {
  appConfig: AppConfigHolder;
  announcements: Announcements;
  content: ContentSource;
  visits: VisitCounter;
  containers: ContainerSpec[];
  pod: { name?: string; namespace?: string; node?: string; runtime: Runtime };
  manifest: PodManifest;
  startedAt: number;
  /** How often /stats was read: by the metrics adapter, in this pod. */
  stats: { readonly reads: { count: number; last_at: string | null } };
}

const HEALTH_CACHE_MS = 2000;
/** The helpers' documents are read at most once a second, however many dashboards are open. */
const HELPER_CACHE_MS = 1000;
const HELPER_TIMEOUT_MS = 500;
const MAX_DOCUMENT_BYTES = 256 * 1024;

export class PodStatusReader {
  #health: { at: number; values: Promise<string[]> } | undefined;
  #helpers: { at: number; revision: string | undefined; values: Promise<Record<string, HelperStatus>> } | undefined;

  constructor(private readonly sources: PodStatusSources) {}

  async read(): Promise<PodStatus> {
    const { appConfig, content, visits, containers, pod } = this.sources;
    const [revision, totals, announcements, health, helpers] = await Promise.all([
      content.current(),
      visits.totals(),
      this.sources.announcements.read(),
      this.#containerHealth(),
      this.#cachedHelperDocuments(),
    ]);
    const config = appConfig.current;
    const { text: _text, ...manifest } = this.sources.manifest;
    const keys = reportsOf({ helpers }, 'redis')[0]?.[1].keys;
    return {
      pod: {
        name: pod.name ?? null,
        namespace: pod.namespace ?? null,
        node: pod.node ?? null,
        uptime_seconds: Math.round((Date.now() - this.sources.startedAt) / 1000),
        runtime: pod.runtime,
      },
      manifest,
      config: {
        file: config.file,
        generation: config.generation ?? null,
        fetched_at: config.fetchedAt,
        loaded_at: config.loadedAt,
        version: config.version,
        values: publicConfig(config.values),
      },
      content: {
        link: content.link,
        revision: revision?.sha ?? null,
        changed_at: content.lastChange?.at ?? null,
        changes: content.changes,
      },
      visits: totals,
      announcements,
      stats_reads: this.sources.stats.reads,
      containers: containers.map((c, i) => ({
        name: c.name,
        pattern: c.pattern,
        role: ROLES[c.name] ?? PATTERNS[c.pattern] ?? '',
        health: health[i] ?? 'unknown',
      })),
      helpers,
      visit_keys: visits.keyWrites().map((k) => ({ ...k, server: keys?.[k.key] ?? null })),
    };
  }

  /** Read anew once a second, and at once when web serves a new revision: git-sync's timeline then has it. */
  #cachedHelperDocuments(): Promise<Record<string, HelperStatus>> {
    const now = Date.now();
    const revision = this.sources.content.current()?.sha;
    const cached = this.#helpers;
    if (cached && now - cached.at < HELPER_CACHE_MS && cached.revision === revision) return cached.values;
    const values = this.#helperDocuments();
    this.#helpers = { at: now, revision, values };
    return values;
  }

  /**
   * Each helper's /status, on the port of its health URL. The keys web writes ride along as
   * `key` parameters: the Redis ambassador answers with the server of each, the others ignore
   * them. config-init has exited: its document is the file it published beside the config.
   */
  async #helperDocuments(): Promise<Record<string, HelperStatus>> {
    const { containers, visits, appConfig } = this.sources;
    const query = new URLSearchParams(visits.keyWrites().map((k): [string, string] => ['key', k.key])).toString();
    const entries = await Promise.all(
      containers.map(async (c): Promise<[string, HelperStatus] | undefined> => {
        if (c.pattern === 'init') {
          const file = join(dirname(appConfig.current.file), 'config-init-status.json');
          return [c.name, await readDocument(file)];
        }
        if (!c.healthUrl) return undefined;
        const url = new URL('/status', c.healthUrl);
        url.search = query;
        return [c.name, await fetchDocument(url.href)];
      }),
    );
    return Object.fromEntries(entries.filter((e) => e !== undefined));
  }

  /** Polls the helpers' health endpoints, at most once per HEALTH_CACHE_MS however many dashboards are open. */
  #containerHealth(): Promise<string[]> {
    const now = Date.now();
    if (this.#health && now - this.#health.at < HEALTH_CACHE_MS) return this.#health.values;
    const values = Promise.all(
      this.sources.containers.map(async (c) => {
        if (!c.healthUrl) return c.pattern === 'main' ? 'serving this page' : 'no health endpoint';
        try {
          const res = await fetch(c.healthUrl, { signal: AbortSignal.timeout(500) });
          return res.ok ? 'healthy' : `unhealthy (HTTP ${res.status})`;
        } catch (error) {
          return `unreachable (${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message})`;
        }
      }),
    );
    this.#health = { at: now, values };
    return values;
  }
}

async function fetchDocument(url: string): Promise<HelperStatus> {
  const shown = url.split('?')[0] as string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(HELPER_TIMEOUT_MS), redirect: 'manual' });
    if (!res.ok) {
      await res.body?.cancel();
      return { url: shown, ok: false, report: null, error: `HTTP ${res.status}` };
    }
    // Read within the bound: a helper that sends without end cannot fill web's memory.
    const limit = { contentLength: res.headers.get('content-length') };
    const body = res.body ? await readBoundedBody(Readable.fromWeb(res.body), MAX_DOCUMENT_BYTES, limit) : '';
    return parseDocument(shown, body.toString());
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { url: shown, ok: false, report: null, error: error.message };
    const cause = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    return { url: shown, ok: false, report: null, error: `no answer (${cause})` };
  }
}

async function readDocument(file: string): Promise<HelperStatus> {
  try {
    // The same bound in bytes as for a helper's answer: a file stops being read past it.
    const body = await readBoundedBody(createReadStream(file), MAX_DOCUMENT_BYTES);
    return parseDocument(file, body.toString());
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { url: file, ok: false, report: null, error: error.message };
    const code = (error as NodeJS.ErrnoException).code;
    return { url: file, ok: false, report: null, error: code === 'ENOENT' ? 'not written' : `cannot read (${code})` };
  }
}

/** A document that is not JSON or not of a documented shape is reported, never shown. */
function parseDocument(url: string, text: string): HelperStatus {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { url, ok: false, report: null, error: 'not JSON' };
  }
  const parsed = helperReport.safeParse(document);
  if (!parsed.success) return { url, ok: false, report: null, error: 'not a documented status document' };
  return { url, ok: true, report: parsed.data, error: null };
}
