// Rendering a scrape. prom-client renders both formats but does not negotiate, and rendering a
// counter as OpenMetrics renames that metric object for good (it strips `_total`; fixed upstream
// only in the open prometheus/client_js#829). So: mapped metrics are fresh objects on every
// scrape, and the adapter's own metrics exist twice, one set per format, updated together.
import type { IncomingMessage } from 'node:http';
import { collectNodeMetrics, type MetricsFormat, negotiateMetricsFormat } from '@pod-patterns/kit';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MappedMetric } from './map-document.js';
import { ERROR_REASONS, type ErrorReason } from './source.js';

export type Format = MetricsFormat;

/** The format the scraper's Accept asks for (the kit's negotiation, shared by every app). */
export function negotiate(req: IncomingMessage): Format {
  return negotiateMetricsFormat(req.headers.accept);
}

interface OwnSet {
  /** The adapter's own four metrics, which describe this scrape. */
  registry: Registry;
  /** prom-client's default process metrics, which do not depend on the source. */
  process: Registry;
  up: Gauge;
  duration: Histogram;
  errors: Counter;
  misses: Counter;
}

/** The adapter's own metrics, in one registry per format. */
export class OwnMetrics {
  readonly #sets: Record<Format, OwnSet>;

  constructor(namespace: string, rules: string[]) {
    this.#sets = {
      text: createSet(Registry.PROMETHEUS_CONTENT_TYPE, namespace, rules),
      openmetrics: createSet(Registry.OPENMETRICS_CONTENT_TYPE, namespace, rules),
    };
  }

  #each(apply: (set: OwnSet) => void): void {
    apply(this.#sets.text);
    apply(this.#sets.openmetrics);
  }

  fetched(seconds: number): void {
    this.#each((s) => s.duration.observe(seconds));
  }

  up(value: 0 | 1): void {
    this.#each((s) => s.up.set(value));
  }

  error(reason: ErrorReason): void {
    this.#each((s) => s.errors.inc({ reason }));
  }

  miss(rule: string): void {
    this.#each((s) => s.misses.inc({ rule }));
  }

  registry(format: Format): Registry {
    return this.#sets[format].registry;
  }

  /**
   * Starts rendering the process metrics: they do not depend on the source, so they are
   * rendered while the source is fetched instead of after it.
   */
  renderProcess(format: Format): Promise<string> {
    return this.#sets[format].process.metrics();
  }
}

type ContentType = typeof Registry.PROMETHEUS_CONTENT_TYPE | typeof Registry.OPENMETRICS_CONTENT_TYPE;

function newRegistry(contentType: ContentType): Registry {
  const registry = new Registry() as Registry<ContentType>;
  registry.setContentType(contentType);
  return registry as Registry;
}

function createSet(contentType: ContentType, namespace: string, rules: string[]): OwnSet {
  const registry = newRegistry(contentType);
  const process = newRegistry(contentType);
  collectNodeMetrics(process);
  const registers = [registry];
  const set: OwnSet = {
    registry,
    process,
    up: new Gauge({
      name: `${namespace}_up`,
      help: 'Whether the last fetch of the source answered with valid JSON (1) or not (0).',
      registers,
    }),
    duration: new Histogram({
      name: 'adapter_source_scrape_duration_seconds',
      help: 'Time to fetch and parse the source document.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    errors: new Counter({
      name: 'adapter_source_errors_total',
      help: 'Failed fetches of the source, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    misses: new Counter({
      name: 'adapter_mapping_misses_total',
      help: 'Scrapes in which a mapping rule matched nothing usable.',
      labelNames: ['rule'],
      registers,
    }),
  };
  // Every series exists from the start at 0, so rate() and alerts work before the first failure.
  for (const reason of ERROR_REASONS) set.errors.inc({ reason }, 0);
  for (const rule of rules) set.misses.inc({ rule }, 0);
  set.up.set(0);
  return set;
}

/**
 * prom-client defaults a sample's missing `sharedLabels` to a new `{}` and caches its rendering
 * in a WeakMap keyed by that object: one cache entry per sample per scrape. One shared object
 * makes that a cache hit.
 */
const NO_SHARED_LABELS = Object.freeze({});

/** prom-client renders any object with name, help, type and get(); these live for one scrape. */
function toPromMetric(metric: MappedMetric, format: Format) {
  const type = metric.type === 'untyped' && format === 'openmetrics' ? 'unknown' : metric.type;
  const values = metric.samples.map((s) => ({
    ...(s.suffix ? { metricName: `${metric.name}${s.suffix}` } : {}),
    labels: s.labels,
    sharedLabels: NO_SHARED_LABELS,
    value: s.value,
  }));
  // get() reads `name` off the object: for OpenMetrics, prom-client strips a counter's `_total`
  // there before rendering, then adds it back to each sample.
  const promMetric = {
    name: metric.name,
    help: metric.help,
    type,
    get: () => ({ name: promMetric.name, help: metric.help, type, values, aggregator: 'sum' }),
  };
  return promMetric;
}

/** A registry holding only this scrape's mapped metrics. */
export function mappedRegistry(mapped: MappedMetric[], format: Format): Registry {
  const registry = newRegistry(
    format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE,
  );
  for (const metric of mapped) registry.registerMetric(toPromMetric(metric, format) as unknown as Counter);
  return registry;
}

/**
 * The whole exposition: the process metrics rendered earlier (`processText`, from
 * renderProcess), then the adapter's own metrics and this scrape's mapped ones. OpenMetrics
 * gets one `# EOF`, at the very end.
 */
export async function render(
  own: OwnMetrics,
  mapped: MappedMetric[],
  format: Format,
  processText: Promise<string>,
): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([own.registry(format), mappedRegistry(mapped, format)]);
  const [processPart, rest] = await Promise.all([processText, merged.metrics()]);
  const head = format === 'openmetrics' ? processPart.replace(/# EOF\n$/, '') : `${processPart}\n`;
  return { contentType: merged.contentType, body: head + rest };
}
