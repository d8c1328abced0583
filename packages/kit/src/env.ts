// Service configuration comes from environment variables only, parsed once at start into a
// typed, frozen object. One declared schema per service is the single source of truth: it
// validates, it types, and it prints the README's env table (`--help`), so docs cannot drift.
import { z } from 'zod';
import { readSecretFile } from './secret-file.js';

export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;
export type Env<S extends EnvSchema> = Readonly<z.output<S>>;

/** Exit code for bad configuration, from BSD sysexits (EX_CONFIG). */
export const EXIT_CONFIG = 78;

/** Every problem with the environment, reported together. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isSecret(field: z.ZodType | undefined): boolean {
  return field !== undefined && z.globalRegistry.get(field)?.secret === true;
}

function isFileOnly(field: z.ZodType | undefined): boolean {
  return field !== undefined && z.globalRegistry.get(field)?.fileOnly === true;
}

/**
 * Reads the variables that `schema` declares from `env`. `NAME_FILE` is accepted for every
 * `NAME`: the value is read from that file (one trailing newline dropped), which is how
 * Kubernetes Secrets are mounted. An empty variable counts as unset. Errors name the variable
 * and the file, never the value of a secret or of anything read from a file.
 */
export function loadEnv<S extends EnvSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): Env<S> {
  const problems: string[] = [];
  const input: Record<string, string> = {};
  const fromFile = new Map<string, string>();

  for (const name of Object.keys(schema.shape)) {
    const direct = env[name];
    // NAME_FILE is a file holding NAME, unless the schema declares NAME_FILE as a variable of its own.
    const file = `${name}_FILE` in schema.shape ? undefined : env[`${name}_FILE`];
    if (direct && isFileOnly(schema.shape[name])) {
      problems.push(`${name}: give it as ${name}_FILE (a mounted Secret), not as a plain variable`);
    } else if (direct && file) {
      problems.push(`${name}: set ${name} or ${name}_FILE, not both`);
    } else if (file) {
      try {
        input[name] = readSecretFile(file);
        fromFile.set(name, file);
      } catch (error) {
        problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
      }
    } else if (direct) {
      input[name] = direct;
    }
  }

  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '');
      const field = schema.shape[name];
      const value = input[name];
      const hidden = value !== undefined && (fromFile.has(name) || isSecret(field));
      let message = value === undefined && issue.code === 'invalid_type' ? 'required but not set' : issue.message;
      if (hidden) message = message.split(value).join('<hidden>');
      const source = fromFile.has(name) ? ` (from ${name}_FILE ${fromFile.get(name)})` : '';
      problems.push(`${name}${source}: ${message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return Object.freeze(parsed.data) as Env<S>;
}

interface JsonSchemaField {
  description?: string;
  default?: unknown;
  enum?: unknown[];
  secret?: boolean;
  fileOnly?: boolean;
}

/** The env table as Markdown, generated from the schema: what `--help` prints and the README holds. */
export function envTable(schema: EnvSchema): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, JsonSchemaField>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const rows = Object.entries(json.properties).map(([name, field]) => {
    const fallback = required.has(name)
      ? '**required**'
      : field.default === undefined || field.default === ''
        ? '—'
        : `\`${String(field.default)}\``;
    const choices = field.enum ? ` One of: ${field.enum.map((v) => `\`${v}\``).join(', ')}.` : '';
    const secret = field.fileOnly
      ? ` Secret: only as \`${name}_FILE\`.`
      : field.secret
        ? ` Secret: prefer \`${name}_FILE\`.`
        : '';
    return `| \`${name}\` | ${fallback} | ${(field.description ?? '').replaceAll('|', '\\|')}${choices}${secret} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Declares a service's environment. Every service also takes `LOG_LEVEL`, so it is added here
 * once rather than in each schema.
 */
export function defineEnv<T extends Record<string, z.ZodType>>(shape: T) {
  return z.object({
    ...shape,
    LOG_LEVEL: z.enum(LOG_LEVELS).prefault('info').describe('Least severe log level written.'),
  });
}
