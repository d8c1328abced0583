// The retry loop around one source: capped exponential backoff with full jitter, Retry-After
// honoured, one deadline for the whole run. 408, 429, 5xx and network errors are retried; any
// other refusal fails at once, because every restarting pod retrying it only hammers the server.
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff, formatDuration, type Logger } from '@pod-patterns/kit';
import { InitError } from './exit-codes.js';
import { AttemptError, type AttemptOptions, displayUrl, type Fetched, fetchOnce } from './fetch-once.js';

export interface RetryOptions extends AttemptOptions {
  logger: Logger;
  deadline: number;
  deadlineMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export async function fetchWithRetry(url: URL, options: RetryOptions): Promise<Fetched & { attempts: number }> {
  const { logger, signal } = options;
  const shown = displayUrl(url);
  const backoff = createBackoff({
    initialMs: options.backoffInitialMs,
    maxMs: options.backoffMaxMs,
    deadline: options.deadline,
  });
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const fetched = await fetchOnce(url, options);
      logger.info(
        { url: shown, attempt, status: fetched.status, bytes: fetched.body.length, durationMs: elapsed() },
        'fetched',
      );
      return { ...fetched, attempts: attempt };
    } catch (error) {
      if (signal.aborted) throw stopped(signal, shown, attempt, options.deadlineMs);
      if (!(error instanceof AttemptError)) throw error;
      const base = { url: shown, attempt, status: error.status, error: error.message, durationMs: elapsed() };
      if (error.outcome !== 'retry') {
        logger.error(base, 'attempt failed; not retrying');
        throw new InitError(error.outcome, `${shown}: ${error.message}`);
      }
      const delay = backoff.next(error.retryAfterMs);
      logger.warn({ ...base, retryAfterMs: error.retryAfterMs, nextDelayMs: delay ?? null }, 'attempt failed');
      if (delay === undefined) {
        const why =
          error.retryAfterMs !== undefined && Date.now() + error.retryAfterMs >= options.deadline
            ? `the server asked to retry after ${formatDuration(error.retryAfterMs)}, past`
            : 'no retry fits before';
        throw new InitError(
          'unreachable',
          `${shown}: ${why} the deadline (CONFIG_DEADLINE=${formatDuration(options.deadlineMs)}) after ${attempt} attempts; last error: ${error.message}`,
        );
      }
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw stopped(signal, shown, attempt, options.deadlineMs);
      }
    }
  }
}

function stopped(signal: AbortSignal, shown: string, attempts: number, deadlineMs: number): Error {
  const reason = signal.reason as Error | undefined;
  if (reason?.name === 'TimeoutError') {
    return new InitError(
      'unreachable',
      `${shown}: no answer before the deadline (CONFIG_DEADLINE=${formatDuration(deadlineMs)}) after ${attempts} attempts`,
    );
  }
  if (reason instanceof InitError) return reason;
  return new InitError('interrupted', `${shown}: stopped before it finished (${reason?.message ?? 'aborted'})`);
}
