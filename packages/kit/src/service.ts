// How every container starts: `--help` prints the env table, `--version` the version; then the
// environment is parsed (exit 78 with every problem listed when it is wrong), the logger and the
// shutdown lifecycle are set up, and the service's own start function runs.
import { readFileSync } from 'node:fs';
import { ConfigError, type Env, type EnvSchema, EXIT_CONFIG, envTable, loadEnv } from './env.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { writeTerminationLog } from './termination-log.js';

export interface ServiceSpec<S extends EnvSchema> {
  name: string;
  version: string;
  /** One line for `--help`. */
  summary: string;
  envSchema: S;
  /** Bound on graceful shutdown. */
  shutdownTimeoutMs?: (config: Env<S>) => number;
  preStopDelayMs?: (config: Env<S>) => number;
  /** A one-shot job (an init container) is not done when a signal stops it: exit 143, not 0. */
  job?: boolean;
  argv?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface ServiceContext<S extends EnvSchema> {
  config: Env<S>;
  logger: Logger;
  lifecycle: Lifecycle;
}

/** Reads `version` from the package.json at `url` (each app passes its own). */
export function packageVersion(url: URL): string {
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

export function helpText<S extends EnvSchema>(spec: Pick<ServiceSpec<S>, 'name' | 'summary' | 'envSchema'>): string {
  return `${spec.name}: ${spec.summary}\n\nConfigured by environment variables (NAME_FILE reads NAME from a file):\n\n${envTable(spec.envSchema)}\n`;
}

export async function runService<S extends EnvSchema>(
  spec: ServiceSpec<S>,
  start: (context: ServiceContext<S>) => Promise<void>,
): Promise<void> {
  const argv = spec.argv ?? process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(spec));
    process.exit(0);
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${spec.version}\n`);
    process.exit(0);
  }
  if (argv.length > 0) {
    exitWithConfigError(
      spec.name,
      `unexpected arguments: ${argv.join(' ')} (configure with environment variables; see --help)`,
    );
  }

  let config: Env<S>;
  try {
    config = loadEnv(spec.envSchema, spec.env ?? process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(spec.name, error.message);
    throw error;
  }

  const logger = createLogger({ name: spec.name, version: spec.version, level: config.LOG_LEVEL as string });
  process.on('uncaughtException', (error) => crash(logger, error));
  process.on('unhandledRejection', (error) => crash(logger, error));
  const lifecycle = createLifecycle({
    logger,
    timeoutMs: spec.shutdownTimeoutMs?.(config) ?? 10_000,
    preStopDelayMs: spec.preStopDelayMs?.(config) ?? 0,
    signalExitCode: spec.job ? 143 : 0,
  });
  try {
    await start({ config, logger, lifecycle });
  } catch (error) {
    crash(logger, error);
  }
}

/** Bad configuration: the readable reason on stderr and in the termination log, exit 78. */
export function exitWithConfigError(name: string, message: string): never {
  process.stderr.write(`${name}: ${message}\n`);
  writeTerminationLog(`${name}: ${message}`);
  process.exit(EXIT_CONFIG);
}

function crash(logger: Logger, error: unknown): never {
  logger.fatal({ err: error }, 'fatal error');
  writeTerminationLog(`fatal: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
}
