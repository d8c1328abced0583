#!/usr/bin/env node
// git-sync: the sidecar. It keeps a git repository synced into a shared volume for the whole
// life of the pod, publishing each revision atomically behind a symlink the app reads through.
import { resolve } from 'node:path';
import {
  closeServer,
  createHttpServer,
  exitWithConfigError,
  listenHttp,
  packageVersion,
  Readiness,
  runService,
  sendJson,
  startOpsServer,
} from '@pod-patterns/kit';
import { addUser } from './add-user.js';
import { envSchema } from './config.js';
import { Credentials } from './credentials.js';
import { flagsToEnv, unsupportedVariables } from './flags.js';
import { Git, scrub } from './git.js';
import { privateGitConfig } from './git-config.js';
import { exechook, HookRunner, webhook } from './hooks.js';
import { defaultLinkName, Layout } from './layout.js';
import { createSyncMetrics } from './metrics.js';
import { makePrivateDir } from './private-dir.js';
import { Repo } from './repo.js';
import { Syncer } from './syncer.js';

const version = packageVersion(new URL('../package.json', import.meta.url));
const flags = flagsToEnv(process.argv.slice(2));
const env = { ...process.env, ...flags.env };
const unsupported = [...flags.problems, ...unsupportedVariables(env)];
if (unsupported.length > 0) exitWithConfigError('git-sync', unsupported.join('; '));

await runService(
  {
    name: 'git-sync',
    version,
    summary: 'keeps a git repository synced into a shared volume, publishing each revision atomically',
    envSchema,
    argv: flags.rest,
    env,
    shutdownTimeoutMs: () => 10_000,
  },
  async ({ config, logger, lifecycle }) => {
    const problems: string[] = [];
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(config.GITSYNC_REPO)) {
      problems.push('GITSYNC_REPO holds a password; use GITSYNC_USERNAME and GITSYNC_PASSWORD_FILE');
    }
    // As in v4: a relative root is under the working directory, and a relative link, touch file
    // or error file is under the root.
    const root = resolve(config.GITSYNC_ROOT);
    const linkName = config.GITSYNC_LINK ?? defaultLinkName(config.GITSYNC_REPO);
    const layout = new Layout(root, linkName);
    const linkProblem = layout.linkProblem();
    if (linkProblem) problems.push(`GITSYNC_LINK ${linkName}: ${linkProblem}`);
    const underRoot = (file: string | undefined) => (file === undefined ? undefined : resolve(root, file));
    const trigger = config.GITSYNC_TRIGGER_BIND;
    if (trigger && !/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(trigger.host)) {
      problems.push('GITSYNC_TRIGGER_BIND must be a loopback address: only containers of this pod may trigger a sync');
    }
    let sparsePatterns: string[] | undefined;
    try {
      sparsePatterns = await Repo.readPatterns(config.GITSYNC_SPARSE_CHECKOUT_FILE);
    } catch (error) {
      problems.push(`GITSYNC_SPARSE_CHECKOUT_FILE: ${(error as Error).message}`);
    }
    if (problems.length > 0) exitWithConfigError('git-sync', problems.join('; '));
    if (config.GITSYNC_VERBOSE !== undefined) {
      logger.level = config.GITSYNC_VERBOSE >= 5 ? 'trace' : config.GITSYNC_VERBOSE >= 1 ? 'debug' : 'info';
    }

    if (config.GITSYNC_HTTP_PPROF) {
      logger.warn("--http-pprof has no effect here: Go's pprof has no Node twin (use node --inspect or --cpu-prof)");
    }

    function addUserOrExit(dir: string): NodeJS.ProcessEnv {
      try {
        const added = addUser(process.env.HOME ?? process.cwd(), dir);
        logger.info({ how: added.how }, 'add-user: the uid has a passwd entry');
        return added.env;
      } catch (error) {
        logger.fatal({ err: error }, `--add-user: ${(error as Error).message}`);
        process.exit(1); // as v4: a failed --add-user is fatal
      }
    }
    const privateDir = makePrivateDir();
    const credentials = new Credentials(config, env.GITSYNC_PASSWORD_FILE, privateDir);
    // What every git (and the ssh and exechook under it) needs: the uid's passwd entry where
    // --add-user made one elsewhere, and git-sync's own global git config.
    const childEnv = {
      ...(config.GITSYNC_ADD_USER ? addUserOrExit(privateDir) : {}),
      ...privateGitConfig([...config.GITSYNC_GIT_CONFIG, ...config.GITSYNC_GIT_CONFIG_ADD], privateDir),
    };
    Object.assign(process.env, childEnv); // the exechook inherits this process's environment
    const git = new Git(() => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_TERMINAL_PROMPT: '0',
      LC_ALL: 'C',
      ...childEnv,
    }));
    const repo = new Repo(git, layout.gitDir, {
      repo: config.GITSYNC_REPO,
      ref: config.GITSYNC_REF,
      depth: config.GITSYNC_DEPTH,
      submodules: config.GITSYNC_SUBMODULES,
      sparsePatterns,
    });
    const metrics = createSyncMetrics();
    const onHook = (name: string, ok: boolean) => metrics.hookRuns.inc({ name, status: ok ? 'success' : 'error' });
    const hooks: HookRunner[] = [];
    const retryHooks = !config.GITSYNC_ONE_TIME; // one-time mode runs each hook once, as v4 does
    if (config.GITSYNC_WEBHOOK_URL) {
      const hook = webhook(
        config.GITSYNC_WEBHOOK_URL,
        config.GITSYNC_WEBHOOK_METHOD,
        config.GITSYNC_WEBHOOK_SUCCESS_STATUS,
        config.GITSYNC_WEBHOOK_TIMEOUT,
      );
      hooks.push(new HookRunner('webhook', hook, config.GITSYNC_WEBHOOK_BACKOFF, logger, onHook, retryHooks));
    }
    if (config.GITSYNC_EXECHOOK_COMMAND) {
      const hook = exechook(config.GITSYNC_EXECHOOK_COMMAND, config.GITSYNC_EXECHOOK_TIMEOUT, logger);
      hooks.push(new HookRunner('exechook', hook, config.GITSYNC_EXECHOOK_BACKOFF, logger, onHook, retryHooks));
    }
    const syncer = new Syncer({
      layout,
      repo,
      credentials,
      metrics,
      hooks,
      logger,
      periodMs: config.GITSYNC_PERIOD,
      syncTimeoutMs: config.GITSYNC_SYNC_TIMEOUT,
      backoffMaxPeriods: config.GITSYNC_BACKOFF_MAX_PERIODS,
      oneTime: config.GITSYNC_ONE_TIME,
      maxFailures: config.GITSYNC_MAX_FAILURES,
      staleWorktreeMs: config.GITSYNC_STALE_WORKTREE_TIMEOUT,
      unhealthyAfterMs: config.GITSYNC_UNHEALTHY_AFTER,
      touchFile: underRoot(config.GITSYNC_TOUCH_FILE),
      errorFile: underRoot(config.GITSYNC_ERROR_FILE),
      groupWrite: config.GITSYNC_GROUP_WRITE,
    });

    const readiness = new Readiness(() => lifecycle.stopping);
    readiness.add('synced', () => syncer.health().healthy || 'not synced (or failing for too long)');
    if (config.GITSYNC_HTTP_BIND) {
      const ops = await startOpsServer({
        listen: config.GITSYNC_HTTP_BIND,
        readiness,
        logger,
        registry: config.GITSYNC_HTTP_METRICS ? metrics.registry : undefined,
        // v4's health endpoint: 503 until the first sync, then 200; here also 503 when failing too long.
        routes: {
          '/': (_req, res) => sendJson(res, syncer.health().healthy ? 200 : 503, syncer.health()),
          // The status document web's /_pod shows (README, "Status document").
          '/status': (_req, res) =>
            sendJson(res, 200, {
              repo: scrub(config.GITSYNC_REPO),
              ref: config.GITSYNC_REF,
              period_seconds: config.GITSYNC_PERIOD / 1000,
              link: layout.link,
              ...syncer.health(),
              timeline: syncer.timeline(),
            }),
        },
      });
      lifecycle.onStop('http server', () => ops.close(2000));
      logger.info({ port: ops.address.port }, 'http listening');
    }
    if (trigger) {
      const server = createHttpServer((req, res) => {
        if (req.url !== '/sync') return sendJson(res, 404, { error: 'POST /sync' });
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST /sync' });
        syncer.trigger();
        sendJson(res, 202, { triggered: true });
      }, logger);
      const address = await listenHttp(server, trigger);
      lifecycle.onStop('trigger server', () => closeServer(server, 2000));
      logger.info({ port: address.port }, 'sync trigger listening');
    }
    if (config.GITSYNC_SYNC_ON_SIGNAL) {
      const signal = config.GITSYNC_SYNC_ON_SIGNAL;
      process.on(signal, () => {
        logger.info({ signal }, 'sync triggered by signal');
        syncer.trigger();
      });
    }

    await syncer.prepare();
    const running = syncer.run();
    lifecycle.onStop('syncer', async () => {
      syncer.stop();
      await running;
      for (const hook of hooks) hook.close();
    });
    logger.info({ repo: config.GITSYNC_REPO, ref: config.GITSYNC_REF, root, link: layout.link }, 'syncing');
    const code = await running;
    if (lifecycle.stopping) return;
    if (config.GITSYNC_ONE_TIME || code !== 0) {
      // One-time mode waits for its hooks, but no longer than one sync may take. A one-time sync
      // whose hook failed or did not finish has not fully succeeded, and never exits 0.
      const timedOut = new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(true), config.GITSYNC_SYNC_TIMEOUT).unref(),
      );
      const finished = Promise.all(hooks.map((h) => h.idle())).then(() => false);
      const hooksTimedOut = await Promise.race([finished, timedOut]);
      const hookFailed = hooksTimedOut || hooks.some((h) => h.failed);
      if (code === 0 && hookFailed) {
        logger.error(
          { hooks: hooks.filter((h) => h.failed).map((h) => h.name), timedOut: hooksTimedOut },
          'one-time sync: a hook did not succeed; exiting 1',
        );
      }
      process.exit(hookFailed ? 1 : code);
    }
  },
);
