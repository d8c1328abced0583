// Graceful shutdown, the same in every container: on SIGTERM readiness goes false, an optional
// pause lets Kubernetes take the pod out of its endpoints, then the registered closers run in
// reverse order (last opened, first closed) within one deadline. Exit 0 when all closed in
// time, 1 when the deadline passed or a closer failed. A second signal exits at once.
import type { Logger } from './logger.js';

export type Closer = () => Promise<unknown> | unknown;

export interface LifecycleOptions {
  logger: Logger;
  /** Bound on the whole shutdown; keep it below terminationGracePeriodSeconds. */
  timeoutMs: number;
  /** Pause after readiness goes false and before closing anything. */
  preStopDelayMs?: number;
  /**
   * Exit code when a signal, not the service, ends the run. 0 for servers (stopping is their
   * normal end); a one-shot job that was interrupted has not done its work, so it uses 143.
   */
  signalExitCode?: number;
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
}

export interface Lifecycle {
  /** True from the first signal on; readiness reads it. */
  readonly stopping: boolean;
  /** Aborted when shutdown begins, for loops and timers to stop on. */
  readonly signal: AbortSignal;
  onStop(name: string, closer: Closer): void;
  /** Runs the closers and exits with `exitCode` (or 1 if a closer failed or the deadline passed). */
  stop(reason: string, exitCode?: number): Promise<void>;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const {
    logger,
    timeoutMs,
    preStopDelayMs = 0,
    signalExitCode = 0,
    signals = ['SIGTERM', 'SIGINT'],
    exit = process.exit,
  } = options;
  const closers: { name: string; closer: Closer }[] = [];
  const controller = new AbortController();
  let stopping: Promise<void> | undefined;

  async function runClosers(): Promise<number> {
    if (preStopDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, preStopDelayMs));
    let code = 0;
    for (const { name, closer } of closers.toReversed()) {
      try {
        await closer();
        logger.debug({ closer: name }, 'closed');
      } catch (error) {
        code = 1;
        logger.error({ closer: name, err: error }, 'close failed');
      }
    }
    return code;
  }

  function stop(reason: string, exitCode = 0): Promise<void> {
    if (stopping) return stopping;
    logger.info({ reason, timeoutMs, preStopDelayMs }, 'shutting down');
    controller.abort(new Error(`shutting down: ${reason}`));
    stopping = new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown deadline passed; exiting with work unfinished');
        exit(1);
        resolve();
      }, timeoutMs + preStopDelayMs);
      deadline.unref();
      runClosers().then((closeCode) => {
        clearTimeout(deadline);
        const code = Math.max(closeCode, exitCode);
        logger.info({ code }, 'stopped');
        exit(code);
        resolve();
      });
    });
    return stopping;
  }

  for (const name of signals) {
    process.on(name, () => {
      if (stopping) {
        logger.warn({ signal: name }, 'second signal; exiting now');
        exit(1);
        return;
      }
      void stop(name, signalExitCode);
    });
  }

  return {
    get stopping() {
      return stopping !== undefined;
    },
    signal: controller.signal,
    onStop(name, closer) {
      closers.push({ name, closer });
    },
    stop,
  };
}
