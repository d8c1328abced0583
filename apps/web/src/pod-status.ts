// The facts /_pod shows and /_pod/status returns: what each helper container did for this app,
// read from what they left behind (the config file, the content link, the Redis counter) and
// from their health endpoints on the shared localhost.

import type { Announcements, AnnouncementsStatus } from './announcements.js';
import type { AppConfigHolder } from './app-config.js';
import { publicConfig } from './app-config.js';
import type { ContentSource } from './content.js';
import type { VisitCounter, VisitTotals } from './visits.js';

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

export interface PodStatus {
  pod: { name: string | null; namespace: string | null; node: string | null; uptime_seconds: number };
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
}

export interface PodStatusSources {
  appConfig: AppConfigHolder;
  announcements: Announcements;
  content: ContentSource;
  visits: VisitCounter;
  containers: ContainerSpec[];
  pod: { name?: string; namespace?: string; node?: string };
  startedAt: number;
  /** How often /stats was read: by the metrics adapter, in this pod. */
  stats: { readonly reads: { count: number; last_at: string | null } };
}

const HEALTH_CACHE_MS = 2000;

export class PodStatusReader {
  #health: { at: number; values: Promise<string[]> } | undefined;

  constructor(private readonly sources: PodStatusSources) {}

  async read(): Promise<PodStatus> {
    const { appConfig, content, visits, containers, pod } = this.sources;
    const [revision, totals, announcements, health] = await Promise.all([
      content.current(),
      visits.totals(),
      this.sources.announcements.read(),
      this.#containerHealth(),
    ]);
    const config = appConfig.current;
    return {
      pod: {
        name: pod.name ?? null,
        namespace: pod.namespace ?? null,
        node: pod.node ?? null,
        uptime_seconds: Math.round((Date.now() - this.sources.startedAt) / 1000),
      },
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
    };
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
