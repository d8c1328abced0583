// Runs a service as a real child process and watches what it says, as a kubelet would.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line that matches, or rejects after `timeoutMs`. */
  waitForLog(
    match: string | ((line: Record<string, unknown>) => boolean),
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends SIGKILL if still running; for cleanup. */
  kill(): void;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Node flags, such as `--import tsx` to run TypeScript sources. */
  nodeArgs?: string[];
  /** Run as this uid and gid (the test must run as root), as a pod's runAsUser would. */
  uid?: number;
}

/** Starts `node [nodeArgs] script [args]` with only PATH inherited, so the env is what the test says. */
export function spawnNode(script: string, args: string[] = [], options: SpawnOptions = {}): Running {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    cwd: options.cwd,
    uid: options.uid,
    gid: options.uid,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const logs = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    // Generous: a process that starts in 100 ms alone can take seconds on a 2-core CI machine
    // running every package's tests at once, and the wait ends as soon as the line is there.
    async waitForLog(match, timeoutMs = 30_000) {
      const test = typeof match === 'string' ? (line: Record<string, unknown>) => line.msg === match : match;
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const found = logs().find(test);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no matching log line (${String(match)}).\nstdout:\n${out}\nstderr:\n${err}`);
    },
  };
}
