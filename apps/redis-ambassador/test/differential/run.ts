// Runs one scenario against one address, in lockstep: a step is written in one write, then every
// client's replies (and pushed messages) that the step brings are awaited before the next step.
// What comes back is each client's byte stream, whole, to be compared byte for byte.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { ReplyScanner } from '../../src/resp/reply-scanner.js';
import { encodeCommand } from '../../src/resp/request-parser.js';
import type { Command, Materialized } from './grammar.js';

const STEP_TIMEOUT_MS = 3000;

class Recorder {
  readonly chunks: Buffer[] = [];
  readonly #scanner = new ReplyScanner();
  replies = 0;
  closed = false;
  #wake: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      try {
        this.replies += this.#scanner.push(chunk).length;
      } catch {
        this.replies = Number.POSITIVE_INFINITY; // not RESP2 (HELLO 3's map): the bytes are what count
      }
      this.#wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  async until(replies: number, deadline: number): Promise<void> {
    while (this.replies < replies && !this.closed && Date.now() < deadline)
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 20);
      });
  }
}

export interface Outcome {
  /** Each client's bytes, as received. */
  streams: Buffer[];
  /** Set when a step's replies did not all come: where, and how many each client had. */
  stalled?: string;
}

export async function runScenario(port: number, clients: number, steps: Materialized[]): Promise<Outcome> {
  const recorders: Recorder[] = [];
  try {
    for (let i = 0; i < clients; i++) {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      recorders.push(new Recorder(socket));
    }
    const expected = Array.from({ length: clients }, () => 0);
    for (const [index, step] of steps.entries()) {
      (recorders[step.client] as Recorder).socket.write(
        Buffer.concat(step.commands.map((c: Command) => encodeCommand(c))),
      );
      step.replies.forEach((n, i) => {
        expected[i] = (expected[i] as number) + n;
      });
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      await Promise.all(recorders.map((r, i) => r.until(expected[i] as number, deadline)));
      const short = recorders.some((r, i) => r.replies < (expected[i] as number));
      if (short)
        return {
          streams: recorders.map((r) => Buffer.concat(r.chunks)),
          stalled: `step ${index}: replies ${recorders.map((r) => r.replies).join('/')} of ${expected.join('/')}`,
        };
    }
    // Last, a PING from each client: its reply comes after every earlier one, so whatever the
    // clients sent (replies switched off included) has been carried out before the state is read.
    const closing =
      steps.length === 0
        ? []
        : recorders.map((r, i) => {
            r.socket.write(encodeCommand(['PING']));
            return r.until((expected[i] as number) + 1, Date.now() + STEP_TIMEOUT_MS);
          });
    await Promise.all(closing);
    return { streams: recorders.map((r) => Buffer.concat(r.chunks)) };
  } finally {
    for (const r of recorders) r.socket.destroy();
  }
}

/** One command on a fresh connection, for the final state: the reply's bytes. */
export async function ask(port: number, ...command: Command): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const recorder = new Recorder(socket);
  socket.write(encodeCommand(command));
  await recorder.until(1, Date.now() + STEP_TIMEOUT_MS);
  socket.destroy();
  return Buffer.concat(recorder.chunks).toString('latin1');
}

/** Each key's type, value (sets sorted: their order is the server's hash seed's) and TTL. */
export async function keyState(ports: number[], keys: string[]): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const key of keys)
    for (const port of ports) {
      const type = (await ask(port, 'TYPE', key)).trim().slice(1);
      if (type === 'none') continue;
      const read: Record<string, Command> = {
        string: ['GET', key],
        list: ['LRANGE', key, '0', '-1'],
        hash: ['HGETALL', key],
        set: ['SORT', key, 'ALPHA'],
        zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
      };
      const value = await ask(port, ...(read[type] ?? ['TYPE', key]));
      state[key] = `${type} ${JSON.stringify(value)} ttl ${(await ask(port, 'TTL', key)).trim()}`;
    }
  return state;
}
