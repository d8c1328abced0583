// One prom-client registry per service, with the default process metrics, rather than the
// global registry: tests can then run several services in one process without collisions.
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
