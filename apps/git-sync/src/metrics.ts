// Metric names close to kubernetes/git-sync's, so its dashboards carry over.
import { createMetricsRegistry } from '@pod-patterns/kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SyncMetrics {
  registry: Registry;
  syncDuration: Histogram<'status'>;
  syncCount: Counter<'status'>;
  fetchCount: Counter;
  hookRuns: Counter<'name' | 'status'>;
  lastSuccess: Gauge;
  consecutiveFailures: Gauge;
}

export function createSyncMetrics(): SyncMetrics {
  const registry = createMetricsRegistry();
  const registers = [registry];
  return {
    registry,
    syncDuration: new Histogram({
      name: 'git_sync_duration_seconds',
      help: 'Time of one sync, by outcome (success, noop, error).',
      labelNames: ['status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    syncCount: new Counter({
      name: 'git_sync_count_total',
      help: 'Syncs, by outcome (success, noop, error).',
      labelNames: ['status'],
      registers,
    }),
    fetchCount: new Counter({ name: 'git_fetch_count_total', help: 'Fetches from the remote.', registers }),
    hookRuns: new Counter({
      name: 'git_sync_hook_run_count_total',
      help: 'Hook runs, by hook (webhook, exechook) and outcome (success, error).',
      labelNames: ['name', 'status'],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'git_sync_last_success_timestamp_seconds',
      help: 'When the last sync succeeded, in Unix seconds.',
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: 'git_sync_consecutive_failures',
      help: 'Failed syncs since the last success.',
      registers,
    }),
  };
}
