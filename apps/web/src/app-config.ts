// The config file config-init fetched. It is validated here too: the app trusts no file it did
// not check. At start an invalid file is fatal (a failed init must not look like a healthy app);
// later, an invalid new file keeps the old config and says why.
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Logger, watchMountedFile } from '@pod-patterns/kit';
import { z } from 'zod';

export const appConfigSchema = z.looseObject({
  site: z.object({
    title: z.string().min(1),
    greeting: z.string().default(''),
  }),
  features: z
    .object({
      /** Count page views in Redis. */
      visitCounter: z.boolean().default(true),
      /** Serve the /_pod dashboard. */
      podDashboard: z.boolean().default(true),
    })
    .catchall(z.boolean())
    .default({ visitCounter: true, podDashboard: true }),
  version: z.string().optional(),
});

export type AppConfig = z.output<typeof appConfigSchema>;

export interface LoadedConfig {
  values: AppConfig;
  /** The `version` key, or a digest of the file when it has none. */
  version: string;
  file: string;
  /** The config-init generation the file belongs to (`..data` target), when there is one. */
  generation: string | undefined;
  /** When the file was written, which is when config-init fetched it. */
  fetchedAt: string;
  loadedAt: string;
}

export class AppConfigError extends Error {}

export function loadAppConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppConfigError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code}): did config-init run?`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = appConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppConfigError(`${file} is not a valid app config: ${problems.join('; ')}`);
  }
  let generation: string | undefined;
  try {
    generation = readlinkSync(join(dirname(file), '..data'));
  } catch {
    generation = undefined; // not written by config-init (a plain file in local runs)
  }
  return {
    values: parsed.data,
    version: parsed.data.version ?? `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`,
    file,
    generation,
    fetchedAt: statSync(file).mtime.toISOString(),
    loadedAt: new Date().toISOString(),
  };
}

/** Holds the current config and, when asked, reloads it on change. */
export class AppConfigHolder {
  #current: LoadedConfig;
  #stopWatching: (() => void) | undefined;
  #reloads = 0;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    this.#current = loadAppConfig(file);
  }

  get current(): LoadedConfig {
    return this.#current;
  }

  /** How many times a changed, valid config replaced the one in use. */
  get reloads(): number {
    return this.#reloads;
  }

  /** Reloads when the file changes, config-init's `..data` swap included. */
  watch(intervalMs = 1000): void {
    this.#stopWatching = watchMountedFile(this.file, () => this.reload(), intervalMs);
  }

  reload(): void {
    try {
      const next = loadAppConfig(this.file);
      if (next.version !== this.#current.version || next.generation !== this.#current.generation) {
        this.logger.info({ from: this.#current.version, to: next.version }, 'config reloaded');
        this.#reloads += 1;
      }
      this.#current = next;
    } catch (error) {
      this.logger.warn(
        { error: (error as Error).message, kept: this.#current.version },
        'config change rejected; keeping the old config',
      );
    }
  }

  close(): void {
    this.#stopWatching?.();
  }
}

const HIDDEN = '••••••';

/** `scheme://user:password@host` with the userinfo hidden, wherever it appears in a text. */
function withoutUserinfo(text: string): string {
  return text.replace(/(\w[\w+.-]*:\/\/)[^/?#\s@]*@/g, `$1${HIDDEN}@`);
}

/** The site's title and greeting as pages show them: any URL's userinfo hidden. */
export function publicSite(values: AppConfig): { title: string; greeting: string } {
  return { title: withoutUserinfo(values.site.title), greeting: withoutUserinfo(values.site.greeting) };
}

/**
 * What the public dashboard shows of the config. It fails closed: only what the schema above
 * declares is shown (the site's title and greeting, the feature flags, the version), with any
 * URL's userinfo hidden; every other key, which may hold anything, is listed with its value
 * hidden, whatever its type.
 */
export function publicConfig(values: AppConfig): Record<string, unknown> {
  const { site: _site, features, version, ...undeclared } = values;
  return {
    site: publicSite(values),
    features,
    ...(version === undefined ? {} : { version: withoutUserinfo(version) }),
    ...Object.fromEntries(Object.keys(undeclared).map((key) => [key, HIDDEN])),
  };
}
