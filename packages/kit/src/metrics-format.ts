// Serving /metrics in the format the scraper asks for: Prometheus' text format or OpenMetrics.
//
// The choice follows client_golang's expfmt.Negotiate: the media type and its `version` decide,
// and any other parameter (charset, Prometheus 3's `escaping=...`) is ignored. A generic
// negotiator (the npm `negotiator`) matches every parameter exactly, so a Prometheus 3 scrape,
// which adds `escaping`, would lose OpenMetrics without a word.
import {
  type Metric,
  type MetricObjectWithValues,
  type MetricValue,
  type OpenMetricsContentType,
  Registry,
} from 'prom-client';

export type MetricsFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<MetricsFormat, string> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** The versions of each format that this output is, as a scraper may name them. */
const SERVED: { type: string; versions: string[]; format: MetricsFormat }[] = [
  // OpenMetrics 0.0.1 and 1.0.0 differ in nothing prom-client writes.
  { type: 'application/openmetrics-text', versions: ['1.0.0', '0.0.1'], format: 'openmetrics' },
  // Text 1.0.0 only adds quoted UTF-8 names, which no metric here has.
  { type: 'text/plain', versions: ['0.0.4', '1.0.0'], format: 'text' },
];

interface MediaRange {
  type: string;
  version: string | undefined;
  q: number;
  /** 2 for type/subtype, 1 for type/*, 0 for *\/*: at equal q the more specific range wins. */
  specificity: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const item of header.split(',')) {
    const [range = '', ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    const [main, sub] = range.split('/');
    if (!main || !sub) continue; // not a media range: ignored, as a browser would
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((part) => part.trim().replace(/^"(.*)"$/, '$1'));
      if (key === 'q') q = Number(value);
      if (key === 'version') version = value;
    }
    if (!(q > 0)) continue; // q=0 means "not this", and a malformed q is no preference
    ranges.push({ type: range, version, q: Math.min(q, 1), specificity: main === '*' ? 0 : sub === '*' ? 1 : 2 });
  }
  // Array.prototype.sort is stable: equal ranges keep the order the scraper wrote them in.
  return ranges.sort((a, b) => b.q - a.q || b.specificity - a.specificity);
}

function formatFor(range: MediaRange): MetricsFormat | undefined {
  if (range.type === '*/*' || range.type === 'text/*') return 'text';
  if (range.type === 'application/*') return 'openmetrics';
  const served = SERVED.find((s) => s.type === range.type);
  if (served && (range.version === undefined || served.versions.includes(range.version))) return served.format;
  return undefined;
}

/**
 * The format for a scrape with this Accept header: the first served one in the scraper's order
 * of preference. Text when nothing matches, or there is no header (curl), as Prometheus' own
 * clients do: a scrape never fails on its Accept header.
 */
export function negotiateMetricsFormat(accept: string | undefined): MetricsFormat {
  for (const range of parseAccept(accept ?? '')) {
    const format = formatFor(range);
    if (format) return format;
  }
  return 'text';
}

/** What prom-client's registry reads off each metric it renders. */
interface Renderable {
  name: string;
  help: string;
  type: string;
  get(): Promise<MetricObjectWithValues<MetricValue<string>>>;
}

/**
 * A view of a metric for one OpenMetrics rendering. prom-client renders a counter as
 * OpenMetrics by stripping `_total` from the metric object's own name, for good
 * (prometheus/client_js#829): every later text scrape would then lose the suffix. The view is
 * stripped instead, and the real metric is only read.
 */
function openMetricsView(metric: Renderable): Renderable {
  return {
    name: metric.name,
    help: metric.help,
    type: metric.type,
    get: async () => {
      const data = await metric.get();
      return metric.type === 'counter' ? { ...data, name: data.name.replace(/_total$/, '') } : data;
    },
  };
}

/** Renders a registry in the format negotiated for this scrape. */
export async function renderMetrics(
  registry: Registry,
  format: MetricsFormat,
): Promise<{ contentType: string; body: string }> {
  if (format === 'text') return { contentType: CONTENT_TYPES.text, body: await registry.metrics() };
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray() as unknown as Renderable[]) {
    view.registerMetric(openMetricsView(metric) as unknown as Metric);
  }
  return { contentType: CONTENT_TYPES.openmetrics, body: await view.metrics() };
}
