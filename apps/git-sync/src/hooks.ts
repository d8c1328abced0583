// What runs after a new revision is published: a webhook call and an executable. Each hook runs
// one at a time; revisions published while it runs collapse to the latest, and a failure is
// retried with backoff until the hook succeeds (or a newer revision replaces it). In one-time
// mode a hook runs once and is not retried: as in v4, its failure makes the process exit 1.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff, type Logger } from '@pod-patterns/kit';

export type HookName = 'webhook' | 'exechook';
export type Hook = (sha: string, worktree: string, signal: AbortSignal) => Promise<void>;

export class HookRunner {
  #pending: { sha: string; worktree: string } | undefined;
  #running: Promise<void> | undefined;
  #failed = false;
  readonly #stop = new AbortController();

  constructor(
    readonly name: HookName,
    private readonly hook: Hook,
    private readonly backoffMs: number,
    private readonly logger: Logger,
    private readonly onResult: (name: HookName, ok: boolean) => void,
    private readonly retry = true,
  ) {}

  /** Whether the hook's last run failed. */
  get failed(): boolean {
    return this.#failed;
  }

  trigger(sha: string, worktree: string): void {
    this.#pending = { sha, worktree };
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when there is nothing left to run (tests and shutdown wait on it). */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  close(): void {
    this.#stop.abort(new Error('shutting down'));
  }

  async #loop(): Promise<void> {
    const backoff = createBackoff({ initialMs: this.backoffMs, maxMs: this.backoffMs * 16 });
    while (this.#pending && !this.#stop.signal.aborted) {
      const job = this.#pending;
      this.#pending = undefined;
      try {
        await this.hook(job.sha, job.worktree, this.#stop.signal);
        this.#failed = false;
        this.onResult(this.name, true);
        this.logger.info({ hook: this.name, hash: job.sha }, 'hook succeeded');
        backoff.reset();
      } catch (error) {
        this.#failed = true;
        this.onResult(this.name, false);
        if (!this.retry) {
          this.logger.error({ hook: this.name, hash: job.sha, error: (error as Error).message }, 'hook failed');
          return;
        }
        const delay = backoff.next() ?? this.backoffMs;
        this.logger.warn(
          { hook: this.name, hash: job.sha, error: (error as Error).message, retryInMs: delay },
          'hook failed',
        );
        this.#pending ??= job; // retry it, unless a newer revision is already waiting
        try {
          await sleep(delay, undefined, { signal: this.#stop.signal });
        } catch {
          return;
        }
      }
    }
  }
}

export function webhook(url: string, method: string, successStatus: number, timeoutMs: number): Hook {
  return async (sha, _worktree, signal) => {
    const res = await fetch(url, {
      method,
      headers: { 'Gitsync-Hash': sha },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    await res.body?.cancel();
    const ok = successStatus === -1 || (successStatus === 0 ? res.ok : res.status === successStatus);
    if (!ok) throw new Error(`webhook answered ${res.status}, expected ${successStatus === 0 ? '2xx' : successStatus}`);
  };
}

/** Runs the command itself (no shell), in the new worktree, with GITSYNC_HASH set. */
export function exechook(command: string, timeoutMs: number, logger: Logger): Hook {
  return (sha, worktree, signal) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        [],
        {
          cwd: worktree,
          env: { ...process.env, GITSYNC_HASH: sha },
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
          signal,
          maxBuffer: 1024 * 1024,
        },
        (error, stdout, stderr) => {
          logger.debug(
            { hook: 'exechook', stdout: String(stdout).slice(0, 2000), stderr: String(stderr).slice(0, 2000) },
            'exechook output',
          );
          if (error)
            reject(
              new Error(`exechook ${command} failed: ${String(stderr).trim().split('\n').at(-1) || error.message}`),
            );
          else resolve();
        },
      );
    });
}
