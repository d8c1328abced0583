// The sidecar's loop: sync, wait a period (or less, when triggered), sync again. A failure
// never touches what is published: the last good revision stays behind the link, retries back
// off exponentially with jitter (capped at N periods), and the error is logged, counted and
// written to the error file with its cause.
import { randomBytes } from 'node:crypto';
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createBackoff, type Logger, Recent } from '@pod-patterns/kit';
import type { Credentials } from './credentials.js';
import { scrub } from './git.js';
import type { HookRunner } from './hooks.js';
import { type Layout, makeGroupWritable } from './layout.js';
import type { SyncMetrics } from './metrics.js';
import type { Repo } from './repo.js';

export interface SyncerOptions {
  layout: Layout;
  repo: Repo;
  credentials: Credentials;
  metrics: SyncMetrics;
  hooks: HookRunner[];
  logger: Logger;
  periodMs: number;
  syncTimeoutMs: number;
  backoffMaxPeriods: number;
  oneTime: boolean;
  maxFailures: number;
  staleWorktreeMs: number;
  unhealthyAfterMs: number;
  touchFile: string | undefined;
  errorFile: string | undefined;
  groupWrite: boolean;
}

export interface Health {
  healthy: boolean;
  synced: string | null;
  lastSuccess: string | null;
  failingSince: string | null;
  consecutiveFailures: number;
  lastError: string | null;
}

/** One line of the sidecar's timeline on its /status document. */
export interface SyncEvent {
  at: string;
  event: 'fetched' | 'published' | 'failed';
  sha?: string;
  from?: string | null;
  error?: string;
}

export class Syncer {
  readonly #stop = new AbortController();
  #wake: (() => void) | undefined;
  #triggered = false;
  #synced: string | undefined;
  #lastSuccess: number | undefined;
  #failingSince: number | undefined;
  #failures = 0;
  #lastError: string | undefined;
  #rebuild = false;
  readonly #timeline = new Recent<SyncEvent>(20);

  constructor(private readonly o: SyncerOptions) {}

  /** Checks left by an earlier run, before any git of ours runs. Never touches the live tree. */
  async prepare(): Promise<void> {
    const { layout, repo, logger } = this.o;
    for (const link of await layout.removeTempLinks())
      logger.warn({ link }, 'removed a link left by an interrupted publish');
    for (const lock of await repo.removeStaleLocks()) logger.warn({ lock }, 'removed a lock file left by a killed git');
    if (!(await repo.healthy())) {
      logger.warn(
        { gitDir: repo.gitDir },
        'repository missing or damaged; creating it afresh beside the published tree',
      );
      await repo.init();
    }
    const live = await layout.published();
    if (live) {
      const problem = await repo.verify(live.path, live.sha);
      if (problem) {
        // Rebuilt beside the live tree and swapped in; the live tree is never reset in place.
        logger.warn(
          { path: live.path, problem },
          'published tree failed verification; rebuilding it beside the live one',
        );
        this.#rebuild = true;
      } else {
        logger.info({ hash: live.sha }, 'published tree verified');
      }
    }
  }

  /** Runs until stopped; resolves with the exit code for one-time mode or too many failures. */
  async run(): Promise<number> {
    const { periodMs, logger } = this.o;
    const backoff = createBackoff({ initialMs: periodMs, maxMs: periodMs * this.o.backoffMaxPeriods });
    while (!this.#stop.signal.aborted) {
      const started = performance.now();
      try {
        const outcome = await this.#syncOnce();
        this.#succeeded(outcome.status, (performance.now() - started) / 1000);
        if (outcome.published) await this.#announce(outcome.published);
        await this.#housekeeping();
        backoff.reset();
        if (this.o.oneTime) return 0;
        await this.#wait(periodMs);
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        await this.#failed(error as Error, (performance.now() - started) / 1000);
        if (this.o.maxFailures >= 0 && this.#failures > this.o.maxFailures) {
          logger.error(
            { failures: this.#failures, maxFailures: this.o.maxFailures },
            'too many consecutive failures; exiting',
          );
          return 1;
        }
        const delay = backoff.next() ?? periodMs;
        logger.info({ retryInMs: delay }, 'will retry');
        await this.#wait(delay);
      }
    }
    return 0;
  }

  /** Starts a sync now (a signal, a POST), or right after the current one. */
  trigger(): void {
    this.#triggered = true;
    this.#wake?.();
  }

  stop(): void {
    this.#stop.abort(new Error('shutting down'));
    this.#wake?.();
  }

  health(): Health {
    const failingTooLong =
      this.o.unhealthyAfterMs > 0 &&
      this.#failingSince !== undefined &&
      Date.now() - this.#failingSince > this.o.unhealthyAfterMs;
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    return {
      healthy: this.#lastSuccess !== undefined && !failingTooLong,
      synced: this.#synced ?? null,
      lastSuccess: iso(this.#lastSuccess),
      failingSince: iso(this.#failingSince),
      consecutiveFailures: this.#failures,
      lastError: this.#lastError ?? null,
    };
  }

  /** The last 20 fetches of a new commit, publishes and failures, oldest first. */
  timeline(): SyncEvent[] {
    return this.#timeline.items();
  }

  #record(event: Omit<SyncEvent, 'at'>): void {
    this.#timeline.push({ at: new Date().toISOString(), ...event });
  }

  /** Fetches and, when there is something new (or the live tree was tampered with), publishes it. */
  async #syncOnce(): Promise<{ status: 'success' | 'noop'; published?: { sha: string; path: string } }> {
    const { layout, repo, credentials, metrics, logger } = this.o;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.o.syncTimeoutMs)]);
    if (!(await repo.healthy())) {
      logger.warn({ gitDir: repo.gitDir }, 'repository damaged; creating it afresh beside the published tree');
      await repo.init();
    }
    const env = credentials.remoteEnv();
    const { sha, fetched } = await repo.fetch(env, signal);
    if (fetched) metrics.fetchCount.inc();
    if (sha !== this.#synced) this.#record({ event: 'fetched', sha });
    const live = await layout.published();
    // v4's check on every sync: a live tree changed under the app, or its HEAD moved, is rebuilt.
    const tampered = live?.sha === sha ? await repo.verify(live.path, sha) : undefined;
    if (tampered) logger.warn({ path: live?.path, problem: tampered }, 'live worktree tampered with; rebuilding it');
    if (live?.sha !== sha || this.#rebuild || tampered) {
      const next = await layout.nextWorktree(sha);
      try {
        await repo.checkout(next.path, sha, env, signal);
        const problem = await repo.verify(next.path, sha);
        if (problem) throw new Error(`new worktree failed verification: ${problem}`);
        if (this.o.groupWrite) await makeGroupWritable(next.path);
      } catch (error) {
        await layout.removeGeneration(dirname(next.path));
        throw error;
      }
      await layout.publish(next.path);
      this.#rebuild = false;
      logger.info({ hash: sha, from: live?.sha ?? null, path: next.path }, 'published a new revision');
      this.#record({ event: 'published', sha, from: live?.sha ?? null });
      this.#synced = sha;
      return { status: 'success', published: { sha, path: next.path } };
    }
    this.#synced = sha;
    return { status: 'noop' };
  }

  /** After the count: readers woken by the touch file or a hook see the count that includes it. */
  async #announce(published: { sha: string; path: string }): Promise<void> {
    if (this.o.touchFile) await touch(this.o.touchFile);
    for (const hook of this.o.hooks) hook.trigger(published.sha, published.path);
  }

  /** Cleanup that follows a sync; the revision is already published, so a failure only warns. */
  async #housekeeping(): Promise<void> {
    try {
      await this.#removeStaleWorktrees();
      await this.o.repo.gcAuto();
    } catch (error) {
      this.o.logger.warn({ error: (error as Error).message }, 'cleanup after the sync failed; will try again');
    }
  }

  async #removeStaleWorktrees(): Promise<void> {
    const cutoff = Date.now() - this.o.staleWorktreeMs;
    let removed = 0;
    for (const old of await this.o.layout.oldGenerations()) {
      if (old.supersededAt <= cutoff) {
        await this.o.layout.removeGeneration(old.dir);
        removed += 1;
      }
    }
    if (removed > 0) {
      await this.o.repo.pruneWorktrees();
      this.o.logger.debug({ removed }, 'removed stale worktrees');
    }
  }

  #succeeded(outcome: 'success' | 'noop', seconds: number): void {
    const { metrics, logger } = this.o;
    if (this.#failures > 0) logger.info({ after: this.#failures }, 'sync recovered');
    this.#failures = 0;
    this.#failingSince = undefined;
    this.#lastError = undefined;
    this.#lastSuccess = Date.now();
    metrics.syncCount.inc({ status: outcome });
    metrics.syncDuration.observe({ status: outcome }, seconds);
    metrics.lastSuccess.set(this.#lastSuccess / 1000);
    metrics.consecutiveFailures.set(0);
    if (this.o.errorFile) void rm(this.o.errorFile, { force: true });
    logger.debug({ outcome, seconds }, 'synced');
  }

  async #failed(error: Error, seconds: number): Promise<void> {
    const { metrics, logger, repo } = this.o;
    this.#failures += 1;
    this.#failingSince ??= Date.now();
    this.#lastError =
      error.name === 'TimeoutError'
        ? `sync took longer than the sync timeout (${this.o.syncTimeoutMs}ms); git was stopped`
        : scrub(error.message);
    this.#record({ event: 'failed', error: this.#lastError });
    metrics.syncCount.inc({ status: 'error' });
    metrics.syncDuration.observe({ status: 'error' }, seconds);
    metrics.consecutiveFailures.set(this.#failures);
    logger.error(
      { error: this.#lastError, failures: this.#failures },
      'sync failed; the last good revision stays published',
    );
    if (error.name === 'TimeoutError') {
      // Our git was killed mid-write: its locks are stale, and only we write this repository.
      for (const lock of await repo.removeStaleLocks())
        logger.warn({ lock }, 'removed a lock file left by a killed git');
    }
    if (this.o.errorFile) await writeAtomically(this.o.errorFile, `${new Date().toISOString()} ${this.#lastError}\n`);
  }

  #wait(ms: number): Promise<void> {
    if (this.#triggered) {
      this.#triggered = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#triggered = false;
        this.#wake = undefined;
        done();
      };
    });
  }
}

async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => writeFile(path, ''));
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temp, content);
  await rename(temp, path);
}
