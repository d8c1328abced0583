// The mapping file: which numbers of the source JSON become which metrics. It is checked whole
// at start, and every problem names its rule and field; a rule that breaks a Prometheus naming
// convention is refused, and one whose name suggests a non-base unit is warned about.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkPath } from './json-path.js';

const METRIC_NAME = /^[a-z_][a-z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_SUFFIXES = ['_bucket', '_count', '_sum', '_created'];
const NON_BASE_UNITS =
  /_(ms|millis|milliseconds|microseconds|us|ns|nanoseconds|minutes|hours|days|kb|kilobytes|mb|megabytes|gb|gigabytes|percent)(_|$)/;

const path = z.string().superRefine((text, ctx) => {
  const problem = checkPath(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const labelName = z
  .string()
  .regex(LABEL_NAME, 'label names are [a-zA-Z_][a-zA-Z0-9_]*')
  .refine((n) => !n.startsWith('__'), 'label names starting with __ are reserved');

const ruleSchema = z.strictObject({
  name: z.string().regex(METRIC_NAME, 'metric names are lower_snake_case: [a-z_][a-z0-9_]*'),
  help: z.string().min(1),
  type: z.enum(['gauge', 'counter', 'untyped', 'histogram']),
  /** Where the values are: every match is one node. */
  path,
  /** Labels from object keys: each name takes one level of keys below the node. */
  keys: z.array(labelName).default([]),
  /** The number: a path relative to the node (default: the node itself), or a constant. */
  value: z.union([path, z.number()]).optional(),
  /** Labels from fields of the node, by relative path. */
  labels: z.record(labelName, path).default({}),
  const_labels: z.record(labelName, z.string()).default({}),
  /** Multiplies every value (and a histogram's bucket bounds and sum): 0.001 turns ms into seconds. */
  scale: z.number().positive().default(1),
  /** Histograms: cumulative buckets (an array of {le, count} or an object of le -> count), sum and count. */
  buckets: path.optional(),
  bucket_le: z.string().default('le'),
  bucket_count: z.string().default('count'),
  sum: path.optional(),
  count: path.optional(),
});

export type Rule = z.output<typeof ruleSchema> & {
  /** Precomputed: whether any label comes from a field (a JSONPath query per sample). */
  hasFieldLabels: boolean;
};

const fileSchema = z.strictObject({
  namespace: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower_snake_case prefix such as web'),
  metrics: z.array(z.unknown()).min(1, 'at least one rule'),
});

export interface Mapping {
  namespace: string;
  rules: Rule[];
  warnings: string[];
}

export class MappingError extends Error {}

export function parseMapping(text: string, source: string): Mapping {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new MappingError(`${source}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const file = fileSchema.safeParse(document);
  if (!file.success) {
    throw new MappingError(
      `${source}: ${file.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  }
  const { namespace } = file.data;
  const problems: string[] = [];
  const warnings: string[] = [];
  const rules: Rule[] = [];
  const names = new Set<string>();
  file.data.metrics.forEach((raw, index) => {
    const rawName = (raw as Partial<Rule> | null)?.name;
    const label = `rule ${index + 1}${typeof rawName === 'string' ? ` (${rawName})` : ''}`;
    if (typeof rawName === 'string') {
      if (names.has(rawName)) problems.push(`${label}: name: another rule has the same name`);
      names.add(rawName);
    }
    const parsed = ruleSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${label}: ${issue.path.join('.') || '(rule)'}: ${issue.message}`);
      return;
    }
    const rule: Rule = { ...parsed.data, hasFieldLabels: Object.keys(parsed.data.labels).length > 0 };
    const before = problems.length;
    const fail = (field: string, message: string) => problems.push(`${label}: ${field}: ${message}`);
    if (!rule.name.startsWith(`${namespace}_`)) fail('name', `must start with the namespace prefix "${namespace}_"`);
    if (rule.type === 'counter' && !rule.name.endsWith('_total')) fail('name', 'a counter must end in _total');
    if (rule.type !== 'counter' && rule.name.endsWith('_total'))
      fail('name', `only counters end in _total; this is a ${rule.type}`);
    if (RESERVED_SUFFIXES.some((s) => rule.name.endsWith(s)))
      fail('name', `must not end in ${RESERVED_SUFFIXES.join(', ')}`);
    if (rule.name === `${namespace}_up`) fail('name', `${namespace}_up is the adapter's own`);
    const labelNames = [...rule.keys, ...Object.keys(rule.labels), ...Object.keys(rule.const_labels)];
    const duplicate = labelNames.find((n, i) => labelNames.indexOf(n) !== i);
    if (duplicate) fail('labels', `label ${duplicate} is given twice`);
    if (rule.type === 'histogram') {
      if (!rule.buckets || !rule.sum || !rule.count) fail('buckets', 'a histogram needs buckets, sum and count');
      if (labelNames.includes('le')) fail('labels', 'le is the bucket label of a histogram');
      if (rule.value !== undefined) fail('value', 'a histogram takes buckets, sum and count, not value');
    } else if (rule.buckets || rule.sum || rule.count) {
      fail('buckets', 'buckets, sum and count are for histograms');
    }
    if (NON_BASE_UNITS.test(rule.name)) {
      warnings.push(`${label}: name: Prometheus uses base units (seconds, bytes, ratios); use scale to convert`);
    }
    if (problems.length === before) rules.push(rule);
  });
  if (problems.length > 0) throw new MappingError(`${source}: ${problems.join('; ')}`);
  return { namespace, rules, warnings };
}

export function loadMapping(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MappingError(`cannot read mapping file ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseMapping(text, file);
}

export const BUILT_IN_MAPPING = new URL('../mappings/web.yaml', import.meta.url);
