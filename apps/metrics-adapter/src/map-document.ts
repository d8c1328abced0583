// Applies the mapping rules to one source document. Each rule is all or nothing: a rule whose
// path matches nothing, or whose values are not numbers any more (the source's shape drifted),
// yields no series at all and is reported as a miss, never as half-mapped numbers.
import { query } from './json-path.js';
import type { Mapping, Rule } from './mapping.js';

export interface Sample {
  /** Set for histogram parts (`_bucket`, `_sum`, `_count`); plain metrics use the metric's name. */
  suffix?: '_bucket' | '_sum' | '_count';
  labels: Record<string, string>;
  value: number;
}

export interface MappedMetric {
  name: string;
  help: string;
  type: Rule['type'];
  samples: Sample[];
}

export interface Miss {
  rule: string;
  reason: string;
}

export interface MappingResult {
  metrics: MappedMetric[];
  misses: Miss[];
  /** Set (and `metrics` empty) when the document maps to more than the series allowed. */
  tooManySeries?: string;
}

class RuleMiss extends Error {}
class TooManySeries extends Error {}

/**
 * The series a document maps to, or why there would be too many: a source with a label per
 * user or per request would otherwise grow /metrics, and the adapter's memory, without end.
 */
export function mapDocument(mapping: Mapping, document: unknown, maxSeries = Number.POSITIVE_INFINITY): MappingResult {
  const metrics: MappedMetric[] = [];
  const misses: Miss[] = [];
  let series = 0;
  for (const rule of mapping.rules) {
    try {
      const samples = mapRule(rule, document, maxSeries - series);
      if (samples === undefined)
        return {
          metrics: [],
          misses: [],
          tooManySeries: `the mapping makes more than ${maxSeries} series (ADAPTER_MAX_SERIES)`,
        };
      series += samples.length;
      if (samples.length === 0) throw new RuleMiss(`${rule.path} matched nothing`);
      metrics.push({ name: rule.name, help: rule.help, type: rule.type, samples });
    } catch (error) {
      if (!(error instanceof RuleMiss)) throw error;
      misses.push({ rule: rule.name, reason: error.message });
    }
  }
  return { metrics, misses };
}

/** The rule's samples; undefined once there would be more than `budget`. */
function mapRule(rule: Rule, document: unknown, budget: number): Sample[] | undefined {
  const samples: Sample[] = [];
  const nodes = query(rule.path, document);
  // Object keys are unique, so with one match and labels from keys alone every series is
  // distinct by construction; otherwise two values could claim one series, which is checked.
  const seen = nodes.length === 1 && !rule.hasFieldLabels ? undefined : new Set<string>();
  const keyValues: string[] = [];

  // Walks one level of object keys per name in rule.keys; the values at the bottom are leaves.
  const walk = (node: unknown, depth: number): void => {
    const label = rule.keys[depth];
    if (label !== undefined) {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) {
        throw new RuleMiss(`expected an object whose keys are ${label} values, found ${kind(node)}`);
      }
      for (const key in node) {
        keyValues[depth] = key;
        walk((node as Record<string, unknown>)[key], depth + 1);
      }
      return;
    }
    const labels: Record<string, string> = { ...rule.const_labels };
    for (let i = 0; i < depth; i++) labels[rule.keys[i] as string] = keyValues[i] as string;
    if (rule.hasFieldLabels) Object.assign(labels, fieldLabels(rule, node));
    if (seen) {
      // Every sample of a rule has the same label names in the same order: the values identify it.
      const identity = Object.values(labels).join('\u0000');
      if (seen.has(identity))
        throw new RuleMiss(
          `two values for the same series {${Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(',')}}`,
        );
      seen.add(identity);
    }
    if (rule.type === 'histogram') {
      samples.push(...histogram(rule, node, labels));
    } else {
      const value =
        (rule.value === undefined ? toNumber(node, rule.path) : number(rule.value, node, rule.path)) * rule.scale;
      if (!Number.isFinite(value)) throw new RuleMiss(`${rule.path}: ${value} is not a finite number`);
      if (rule.type === 'counter' && value < 0)
        throw new RuleMiss(`${rule.path}: a counter cannot be negative (${value})`);
      samples.push({ labels, value });
    }
    if (samples.length > budget) throw new TooManySeries();
  };
  try {
    for (const node of nodes) walk(node, 0);
  } catch (error) {
    if (error instanceof TooManySeries) return undefined;
    throw error;
  }
  return samples;
}

function fieldLabels(rule: Rule, leaf: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, path] of Object.entries(rule.labels)) {
    const [value, ...more] = query(path, leaf);
    if (more.length > 0) throw new RuleMiss(`label ${name}: ${path} matched ${more.length + 1} values`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new RuleMiss(`label ${name}: ${path} is ${kind(value)}`);
    }
    labels[name] = String(value);
  }
  return labels;
}

function number(spec: string | number, node: unknown, where: string): number {
  if (typeof spec === 'number') return spec;
  const [value, ...more] = query(spec, node);
  if (more.length > 0) throw new RuleMiss(`${where}: ${spec} matched ${more.length + 1} values`);
  return toNumber(value, `${where} ${spec}`);
}

function toNumber(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  // A numeric string, and finite once read: "1e999" is a number too large, not +Inf.
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) && Number.isFinite(Number(value)))
    return Number(value);
  throw new RuleMiss(`${where}: expected a number, found ${kind(value)}`);
}

/** A cumulative histogram: buckets (ascending `le`, non-decreasing counts, ending in +Inf), sum, count. */
function histogram(rule: Rule, node: unknown, labels: Record<string, string>): Sample[] {
  const [raw] = query(rule.buckets as string, node);
  let pairs: [unknown, unknown][];
  if (Array.isArray(raw)) {
    pairs = raw.map((b) => [
      (b as Record<string, unknown>)?.[rule.bucket_le],
      (b as Record<string, unknown>)?.[rule.bucket_count],
    ]);
  } else if (raw !== null && typeof raw === 'object') {
    pairs = Object.entries(raw);
  } else {
    throw new RuleMiss(`buckets ${rule.buckets} is ${kind(raw)}`);
  }
  const buckets = pairs
    .map(([le, count]) => {
      const bound =
        le === '+Inf' || le === 'Inf' || le === Number.POSITIVE_INFINITY
          ? Number.POSITIVE_INFINITY
          : toNumber(le, 'bucket le');
      return { le: bound, count: toNumber(count, `bucket ${String(le)} count`) };
    })
    .sort((a, b) => a.le - b.le);
  const count = number(rule.count as string, node, 'count');
  const sum = number(rule.sum as string, node, 'sum') * rule.scale;
  if (buckets.at(-1)?.le !== Number.POSITIVE_INFINITY) buckets.push({ le: Number.POSITIVE_INFINITY, count });
  for (let i = 1; i < buckets.length; i++) {
    if ((buckets[i]?.count ?? 0) < (buckets[i - 1]?.count ?? 0)) throw new RuleMiss('bucket counts are not cumulative');
  }
  if (buckets.at(-1)?.count !== count) throw new RuleMiss('the +Inf bucket does not equal count');
  const formatLe = (le: number) =>
    le === Number.POSITIVE_INFINITY ? '+Inf' : String(Number((le * rule.scale).toPrecision(12)));
  return [
    ...buckets.map((b): Sample => ({ suffix: '_bucket', labels: { ...labels, le: formatLe(b.le) }, value: b.count })),
    { suffix: '_sum', labels, value: sum },
    { suffix: '_count', labels, value: count },
  ];
}

function kind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}
