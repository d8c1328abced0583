// From fetched bytes to the bytes written: parse by format, validate, and re-serialize JSON and
// YAML as canonical JSON (keys sorted, two-space indent), so the same config always produces the
// same file and a diff between two revisions shows only what changed.
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InitError } from './exit-codes.js';
import type { Fetched } from './fetch-once.js';
import { displayUrl } from './fetch-once.js';
import type { Format, Source } from './sources.js';

type Concrete = Exclude<Format, 'auto'>;

export function resolveFormat(source: Source, contentType: string | undefined): Concrete {
  if (source.format !== 'auto') return source.format;
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (/^(application|text)\/(x-)?yaml$/.test(type)) return 'yaml';
  for (const path of [source.url.pathname, source.output]) {
    const ext = extname(path).toLowerCase();
    if (ext === '.json') return 'json';
    if (ext === '.yaml' || ext === '.yml') return 'yaml';
  }
  return 'raw';
}

export function render(source: Source, fetched: Fetched): Buffer {
  const format = resolveFormat(source, fetched.contentType);
  if (format === 'raw') return fetched.body;
  const fail = (what: string) => new InitError('invalidContent', `${displayUrl(source.url)}: ${what}`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fetched.body);
  } catch {
    throw fail('body is not valid UTF-8');
  }
  let document: unknown;
  try {
    document = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw fail(`not valid ${format.toUpperCase()}: ${(error as Error).message.split('\n')[0]}`);
  }
  const problems = source.validator(document);
  if (problems.length > 0) throw fail(problems.join('; '));
  return Buffer.from(`${JSON.stringify(sortKeys(document), null, 2)}\n`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
