// What the demo pod talks to outside itself, started on this machine on free loopback ports:
//   - git-server: a bare repository made from k8s/demo/site, served by `git daemon` (push to it
//     and git-sync publishes the commit);
//   - config-api: a static server for the documents in k8s/demo/config, as the nginx in k8s/ serves them;
//   - redis-0 and redis-1: two redis-server shards with the demo password, when redis-server is
//     installed. Without it the pod still runs and web says why the counter is unavailable.
// Each comes with the `--host` mapping that sends the manifest's Service name to it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const demoFiles = join(repoRoot, 'k8s', 'demo');

export interface Outside {
  /** `--host` arguments for podrun. */
  hosts: string[];
  /** The bare repository git-sync syncs from: push here. */
  gitRepo: string;
  /** Where git daemon serves it. */
  gitUrl: string;
  configApi: {
    url: string;
    stop(): Promise<void>;
    start(): Promise<void>;
    /** Every answer becomes a 500, or never comes, until set back to 'none' (for npm run soak). */
    fault: 'none' | 'error' | 'hang';
  };
  redis: RedisShard[];
  /** Why there is no Redis, when there is none. */
  redisMissing?: string;
  stop(): Promise<void>;
}

/** One Redis shard: killed, restarted on its port, or paused, as a fault test needs. */
export interface RedisShard {
  port: number;
  stop(): Promise<void>;
  /** SIGKILL, as a crashed node; start() brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP and SIGCONT: a server that hangs with its connections open. */
  pause(): void;
  resume(): void;
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A child process that says `ready` (a line on stdout or stderr) once it serves. In a process
 * group of its own, so the terminal's Ctrl-C does not stop it under the pod: the pod stops
 * first, in order, and this one after it (git-sync would exit on a failed fetch otherwise).
 */
async function startChild(command: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const listen = (chunk: Buffer) => {
      said += chunk;
      if (ready.test(said)) resolve();
    };
    child.stdout?.on('data', listen);
    child.stderr?.on('data', listen);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready: ${said.trim()}`)));
  });
  child.removeAllListeners('exit');
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/**
 * Starts a system again on the port it had. While it was down, the kernel may have given that
 * port to another process's outgoing connection as its source port; it comes free when that
 * connection closes, so a refused bind is tried again for 5 s before the error is said.
 */
async function startOnItsPort(start: () => Promise<void>): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await start();
    } catch (error) {
      if (tries >= 25 || !/EADDRINUSE|Address already in use/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const hasCommand = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * `redis: false` leaves the shards out, as on a machine without redis-server. `persistent`
 * gives each shard an append-only file, so a killed shard comes back with its data, as a
 * StatefulSet's pod does with its volume. `redisPassword: false` starts them without the demo
 * password, as k8s/patterns/ambassador's one Redis runs.
 */
export async function startOutside(
  options: { redis?: boolean; persistent?: boolean; redisPassword?: boolean } = {},
): Promise<Outside> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-patterns-demo-'));
  const stops: (() => Promise<void>)[] = [];

  // git-server: the site's files as the first commit of a bare repository.
  const work = join(dir, 'site-work');
  const gitRepo = join(dir, 'git', 'site');
  cpSync(join(demoFiles, 'site'), work, { recursive: true });
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'add', '.');
  git(
    work,
    '-c',
    'user.name=demo',
    '-c',
    'user.email=demo@example.invalid',
    'commit',
    '--quiet',
    '-m',
    'The demo site',
  );
  execFileSync('git', ['clone', '--quiet', '--bare', work, gitRepo]);
  rmSync(work, { recursive: true });
  const gitPort = await freePort();
  const daemon = await startChild(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--export-all',
      `--base-path=${join(dir, 'git')}`,
      '--listen=127.0.0.1',
      `--port=${gitPort}`,
      '--verbose',
      '--informative-errors',
    ],
    /Ready to rumble/,
  );
  stops.push(() => stopChild(daemon));

  // config-api: the config and the announcements, as k8s/demo/nginx.conf serves them.
  const configPort = await freePort();
  const documents = new Map(
    ['app.json', 'announcements.json'].map((name) => [`/${name}`, readFileSync(join(demoFiles, 'config', name))]),
  );
  let server: Server | undefined;
  const configApi: Outside['configApi'] = {
    url: `http://127.0.0.1:${configPort}/app.json`,
    fault: 'none',
    async start() {
      const api = createServer((req, res) => {
        if (configApi.fault === 'hang') return; // the connection stays open, unanswered
        if (configApi.fault === 'error') return void res.writeHead(500).end('injected fault\n');
        const document = documents.get(req.url ?? '');
        if (document) res.writeHead(200, { 'content-type': 'application/json' }).end(document);
        else if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        else res.writeHead(404).end();
      });
      server = api;
      await startOnItsPort(async () => {
        const listening = once(api, 'listening'); // rejects on 'error', such as EADDRINUSE
        api.listen(configPort, '127.0.0.1');
        await listening;
      });
    },
    async stop() {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      server = undefined;
    },
  };
  await configApi.start();
  stops.push(() => configApi.stop());

  const hosts = [`git-server:9418=127.0.0.1:${gitPort}`, `config-api:80=127.0.0.1:${configPort}`];
  const redis: Outside['redis'] = [];
  let redisMissing: string | undefined;
  if (options.redis === false) {
    redisMissing = 'the demo was started without Redis: the visit counter is unavailable';
  } else if (hasCommand('redis-server')) {
    const password = readFileSync(join(demoFiles, 'redis-password'), 'utf8').trim();
    for (const shard of [0, 1]) {
      const port = await freePort();
      const dataDir = join(dir, `redis-${shard}`);
      mkdirSync(dataDir);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
      if (options.redisPassword !== false) args.push('--requirepass', password);
      if (options.persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDir);
      else args.push('--appendonly', 'no');
      let child = await startChild('redis-server', args, /Ready to accept connections/);
      const signal = (name: NodeJS.Signals) => child.kill(name);
      const shardControl: RedisShard = {
        port,
        stop: () => stopChild(child),
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        },
        async start() {
          await startOnItsPort(async () => {
            child = await startChild('redis-server', args, /Ready to accept connections/);
          });
        },
        pause: () => signal('SIGSTOP'),
        resume: () => signal('SIGCONT'),
      };
      redis.push(shardControl);
      stops.push(async () => {
        shardControl.resume();
        await shardControl.stop();
      });
      hosts.push(`redis-${shard}.redis:6379=127.0.0.1:${port}`);
    }
  } else {
    redisMissing = 'redis-server is not installed (apt-get install redis-server): the visit counter is unavailable';
  }

  return {
    hosts,
    gitRepo,
    gitUrl: `git://127.0.0.1:${gitPort}/site`,
    configApi,
    redis,
    redisMissing,
    async stop() {
      for (const stop of stops.reverse()) await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
