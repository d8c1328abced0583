// A real redis-server on a free port, for tests that must see Redis come and go.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './http-server.js';

export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGKILL: as abrupt as a crashed or evicted pod). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

export interface RedisOptions {
  port?: number;
  /** Extra arguments, such as ['--requirepass', 'secret']. */
  args?: string[];
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  // Starting again on the same port can find it taken for a moment: while the server was down,
  // the kernel may have handed the port to another process's outgoing connection as its source
  // port. It is given back when that connection closes, so a refused bind is tried again.
  async function start(): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        return await startOnce();
      } catch (error) {
        if (tries >= 50 || !/Address already in use/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async function startOnce(): Promise<void> {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.args ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          proc.stdout?.resume();
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk; // where redis-server says what is wrong with its arguments
      });
      proc.once('close', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
      proc.once('error', reject);
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
  }

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}
