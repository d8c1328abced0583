// What to fetch: either the one CONFIG_URL, or the list in CONFIG_SOURCES_FILE. Everything about
// the list is checked here, before any request is made, and reported together (exit 78).
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type Config, FORMATS } from './config.js';
import { InitError } from './exit-codes.js';
import { compileValidator, type Validator } from './validate.js';

export type Format = (typeof FORMATS)[number];

export interface Source {
  url: URL;
  output: string;
  format: Format;
  validator: Validator;
  /** False for a source that must not receive the configured credentials. */
  credentials: boolean;
}

const entrySchema = z.strictObject({
  url: z.string(),
  output: z.string(),
  format: z.enum(FORMATS).optional(),
  schema: z.string().optional(),
  required: z.array(z.string()).optional(),
  credentials: z.boolean().optional(),
});
const fileSchema = z.array(entrySchema).min(1, 'expected a list of at least one source');

type Entry = z.output<typeof entrySchema>;

export function loadSources(config: Config): Source[] {
  const problems: string[] = [];
  let entries: Entry[] = [];
  if (config.CONFIG_URL && config.CONFIG_SOURCES_FILE) {
    problems.push('set CONFIG_URL or CONFIG_SOURCES_FILE, not both');
  } else if (config.CONFIG_URL) {
    entries = [{ url: config.CONFIG_URL, output: config.CONFIG_OUTPUT }];
  } else if (config.CONFIG_SOURCES_FILE) {
    entries = readSourcesFile(config.CONFIG_SOURCES_FILE, problems);
  } else {
    problems.push('nothing to fetch: set CONFIG_URL or CONFIG_SOURCES_FILE');
  }

  const sources: Source[] = [];
  entries.forEach((entry, index) => {
    const where = config.CONFIG_SOURCES_FILE ? `source ${index + 1} (${entry.output})` : 'CONFIG_URL';
    const before = problems.length;
    const url = checkUrl(entry.url, where, problems);
    const format = entry.format ?? config.CONFIG_FORMAT;
    if (!isAbsolute(entry.output)) problems.push(`${where}: output must be an absolute path`);
    if (basename(entry.output).startsWith('..'))
      problems.push(`${where}: output names starting with ".." are reserved`);
    const schemaFile = entry.schema ?? config.CONFIG_SCHEMA_FILE;
    const required = entry.required ?? config.CONFIG_REQUIRED_KEYS;
    if (format === 'raw' && (entry.schema || (entry.required?.length ?? 0) > 0)) {
      problems.push(`${where}: a raw source cannot have a schema or required keys`);
    }
    let validator: Validator = () => [];
    try {
      if (format !== 'raw') validator = compileValidator(schemaFile, required);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
    if (url && problems.length === before) {
      sources.push({ url, output: entry.output, format, validator, credentials: entry.credentials ?? true });
    }
  });

  const outputs = sources.map((s) => s.output);
  const duplicate = outputs.find((o, i) => outputs.indexOf(o) !== i);
  if (duplicate) problems.push(`two sources write ${duplicate}`);
  const dirs = new Set(outputs.map((o) => dirname(o)));
  if (dirs.size > 1) {
    problems.push(`all outputs must be in one directory, to be published as one set; got ${[...dirs].join(', ')}`);
  }
  if (config.CONFIG_USERNAME && !config.CONFIG_PASSWORD) problems.push('CONFIG_USERNAME needs CONFIG_PASSWORD_FILE');
  if (config.CONFIG_PASSWORD && !config.CONFIG_USERNAME) problems.push('CONFIG_PASSWORD_FILE needs CONFIG_USERNAME');
  if (config.CONFIG_BEARER_TOKEN && config.CONFIG_USERNAME) problems.push('use a bearer token or basic auth, not both');
  if (Boolean(config.CONFIG_CLIENT_CERT_FILE) !== Boolean(config.CONFIG_CLIENT_KEY_FILE)) {
    problems.push('CONFIG_CLIENT_CERT_FILE and CONFIG_CLIENT_KEY_FILE go together');
  }
  if (problems.length > 0) throw new InitError('badConfig', problems.join('; '));
  return sources;
}

function readSourcesFile(path: string, problems: string[]): Entry[] {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`CONFIG_SOURCES_FILE ${path}: ${(error as Error).message.split('\n')[0]}`);
    return [];
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at =
        issue.path.length > 0
          ? `source ${Number(issue.path[0]) + 1}${issue.path
              .slice(1)
              .map((p) => `.${String(p)}`)
              .join('')}`
          : 'the file';
      problems.push(`CONFIG_SOURCES_FILE ${path}: ${at}: ${issue.message}`);
    }
    return [];
  }
  return parsed.data;
}

function checkUrl(text: string, where: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${where}: not a URL`);
    return undefined;
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol)) {
    problems.push(`${where}: scheme ${url.protocol} is not supported (http:, https:, file:)`);
    return undefined;
  }
  if (url.username || url.password) {
    // Never accept credentials where they would be logged and shown by `kubectl describe`.
    problems.push(`${where}: the URL holds credentials; use CONFIG_USERNAME and CONFIG_PASSWORD_FILE instead`);
    return undefined;
  }
  return url;
}
