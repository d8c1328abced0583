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
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
}

export interface Lifecycle {
  /** True from the first signal on; readiness reads it. */
  readonly stopping: boolean;
  /** Aborted when shutdown begins, for loops and timers to stop on. */
  readonly signal: AbortSignal;
  onStop(name: string, closer: Closer): void;
  /** Shuts down as a signal would (a one-shot job that finished calls this too). */
  stop(reason: string): Promise<void>;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger, timeoutMs, preStopDelayMs = 0, signals = ['SIGTERM', 'SIGINT'], exit = process.exit } = options;
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

  function stop(reason: string): Promise<void> {
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
      runClosers().then((code) => {
        clearTimeout(deadline);
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
      void stop(name);
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
