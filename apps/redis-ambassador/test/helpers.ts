import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, type Running, spawnNode, startRedis, type TestRedis } from '@pod-patterns/testing';
import { Redis, type RedisOptions } from 'ioredis';
import { ReplyScanner } from '../src/resp/reply-scanner.js';
import { encodeCommand } from '../src/resp/request-parser.js';

export const entrypoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Ambassador extends Running {
  port: number;
  opsPort: number;
}

export async function startAmbassador(env: Record<string, string>): Promise<Ambassador> {
  const running = spawnNode(entrypoint, [], {
    env: { AMBASSADOR_LISTEN: '127.0.0.1:0', OPS_LISTEN: '127.0.0.1:0', ...env },
  });
  const line = await running.waitForLog('listening');
  return { ...running, port: line.port as number, opsPort: line.opsPort as number };
}

export async function startShards(n: number, args: string[] = []): Promise<TestRedis[]> {
  return Promise.all(Array.from({ length: n }, () => startRedis({ args })));
}

export const serverList = (shards: TestRedis[], weights?: number[]) =>
  shards.map((s, i) => `127.0.0.1:${s.port}:${weights?.[i] ?? 1} s${i}`).join(',');

/**
 * An ioredis client as an app would hold one, made safe for tests: it stops reconnecting after a
 * second, and its connection errors reach the test through its commands. Without this, a client
 * left open by a failed assertion reconnects for ever to a stopped server, and its test file never
 * ends (seen in CI: a log of "[ioredis] Unhandled error event" until the job was killed).
 */
function boundedRedis(options: RedisOptions): Redis {
  const client = new Redis({ retryStrategy: (tries) => (tries <= 10 ? 100 : null), ...options });
  client.on('error', () => {});
  return client;
}

/** An ioredis client for the rest of test `t`, closed when it ends, passed or failed. */
export function redisFor(t: TestContext, options: RedisOptions): Redis {
  const client = boundedRedis(options);
  t.after(() => client.disconnect());
  return client;
}

/** `use`'s answer from a short-lived ioredis client, closed whatever happens. */
export async function withRedis<T>(options: RedisOptions, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = boundedRedis(options);
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** A raw RESP connection: write commands (or any bytes), read framed replies as text. */
export class RawClient {
  readonly #scanner = new ReplyScanner();
  readonly #replies: string[] = [];
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const reply of this.#scanner.push(chunk)) this.#replies.push(reply.toString('latin1'));
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  send(...commands: (string | Buffer)[][]): void {
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The next `n` replies, or rejects after `timeoutMs`. */
  async read(n: number, timeoutMs = 5000): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    while (this.#replies.length < n) {
      if (this.closed || Date.now() > end)
        throw new Error(`expected ${n} replies, got ${this.#replies.length} (closed: ${this.closed})`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.#replies.splice(0, n);
  }

  async command(...args: (string | Buffer)[]): Promise<string> {
    this.send(args);
    return (await this.read(1))[0] as string;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** nutcracker (twemproxy) from Debian over the same servers, for placement and the benchmark. */
export async function startNutcracker(
  dir: string,
  servers: string,
  options: { hash?: string; distribution?: string } = {},
): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const statsPort = await freePort();
  const conf = join(dir, `nutcracker-${port}.yml`);
  writeFileSync(
    conf,
    [
      'pool:',
      `  listen: 127.0.0.1:${port}`,
      `  hash: ${options.hash ?? 'fnv1a_64'}`,
      `  distribution: ${options.distribution ?? 'ketama'}`,
      '  hash_tag: "{}"',
      '  redis: true',
      '  servers:',
      ...servers.split(',').map((s) => `   - ${s}`),
      '',
    ].join('\n'),
  );
  const child = spawn('nutcracker', ['-c', conf, '-s', String(statsPort), '-o', join(dir, `nutcracker-${port}.log`)], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      const probe = await RawClient.open(port);
      probe.close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 30));
    }
  }
  return {
    port,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
