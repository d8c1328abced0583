#!/usr/bin/env node
// config-init: the init container. Exit 0 means every file is in place and valid; any other code
// (see exit-codes.ts) holds the pod, and Kubernetes runs this again with backoff.
import { packageVersion, runService, writeTerminationLog } from '@pod-patterns/kit';
import { envSchema } from './config.js';
import { EXIT, InitError } from './exit-codes.js';
import { run } from './run.js';

const version = packageVersion(new URL('../package.json', import.meta.url));

await runService(
  {
    name: 'config-init',
    version,
    summary: 'fetches config before the app may start, validates it, and publishes it atomically',
    envSchema,
    job: true,
  },
  async ({ config, logger, lifecycle }) => {
    const outcome = run({ config, logger, version, signal: lifecycle.signal });
    // On SIGTERM the fetches abort; shutdown waits for the failure to be recorded below.
    lifecycle.onStop('run', () => outcome.catch(() => {}));
    try {
      const published = await outcome;
      logger.info(published, 'config published');
      process.exit(EXIT.ok);
    } catch (error) {
      const failure =
        error instanceof InitError ? error : new InitError('cannotWrite', `unexpected: ${(error as Error).message}`);
      logger.error({ kind: failure.kind, exitCode: failure.exitCode }, `failed: ${failure.message}`);
      writeTerminationLog(`config-init: ${failure.kind}: ${failure.message}`, config.TERMINATION_LOG_PATH);
      if (failure.kind !== 'interrupted') process.exit(failure.exitCode);
    }
  },
);
