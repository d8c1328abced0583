// One connection to one Redis server. Requests from every client are pipelined onto it and
// written together once per event-loop turn (setImmediate), which is how one Node process keeps
// up with many clients: fewer writes, larger ones. Replies come back in order; each settles
// the request at the head of the queue. A connection that fails, or a
// request unanswered for longer than the timeout, fails every request in flight with an error
// reply, so no client waits forever and no reply is ever given to the wrong request.
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Deque } from './deque.js';
import { isError } from './resp/bytes.js';
import { ReplyScanner } from './resp/reply-scanner.js';
import { encodeCommand } from './resp/request-parser.js';
import type { ServerSpec } from './servers.js';

/**
 * A request waiting for its reply. An object rather than a callback, so that the client's slot
 * for a command can be its request too: one object per command instead of three.
 */
export interface Pending {
  /** Set by the connection when the request is queued. */
  sentAt: number;
  /** `seconds`: from queueing the request to reading its reply (0 when it failed). */
  settle(reply: Buffer, failed: boolean, seconds: number): void;
}

export function pending(settle: Pending['settle']): Pending {
  return { sentAt: 0, settle };
}

export interface BackendOptions {
  timeoutMs: number;
  /** False for pinned connections that may block (BLPOP, SUBSCRIBE): no request timeout. */
  requestTimeout: boolean;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Read at every connect, so a rotated password file takes effect on reconnect. */
  credentials: () => { username?: string; password?: string };
  onFailure: (reason: string) => void;
  onSuccess: () => void;
  /** Once, when the connection ends for any reason. */
  onClosed: () => void;
}

export class BackendConnection {
  readonly #socket: Socket;
  readonly #scanner = new ReplyScanner();
  readonly #inflight = new Deque<Pending>();
  #outbox: Buffer[] = [];
  #flushScheduled = false;
  #ready = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  /** When the server's last bytes arrived. */
  #lastData = 0;
  readonly #checkEveryMs: number;
  #lastCheck = performance.now();
  /** Set by tunnel(): raw bytes instead of framed replies (pub/sub, MONITOR). */
  #onRaw: ((chunk: Buffer) => void) | undefined;

  constructor(
    readonly server: ServerSpec,
    private readonly options: BackendOptions,
  ) {
    const { host, port } = server;
    this.#socket = options.tls
      ? connectTls({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, ...options.tls })
      : connectTcp({ host, port });
    this.#socket.setNoDelay(true);
    this.#socket.setTimeout(options.timeoutMs, () => {
      if (!this.#ready) this.fail(`connect to ${server.name} timed out`);
    });
    this.#socket.once(options.tls ? 'secureConnect' : 'connect', () => this.#onConnect());
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.fail(`${server.name}: ${error.message}`));
    this.#socket.on('close', () => this.fail(`${server.name}: connection closed`));
    this.#checkEveryMs = Math.max(10, options.timeoutMs / 4);
    if (options.requestTimeout) {
      this.#timer = setInterval(() => this.#checkTimeout(), this.#checkEveryMs);
      this.#timer.unref();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get inflight(): number {
    return this.#inflight.length;
  }

  #onConnect(): void {
    this.#socket.setTimeout(0);
    const { username, password } = this.options.credentials();
    const ready = () => {
      this.#ready = true;
      this.#flush();
    };
    if (!password) {
      ready();
      return;
    }
    // AUTH goes first. A tunnel writes nothing more until it is answered, so that its reply
    // can never arrive in the same read as the raw bytes that follow it.
    const tunnel = this.#onRaw !== undefined;
    const auth = pending((reply) => {
      if (isError(reply)) this.fail(`${this.server.name}: AUTH refused: ${reply.toString('latin1', 1).trim()}`);
      else if (tunnel) ready();
    });
    auth.sentAt = performance.now();
    // Requests sent while connecting are queued but not written: AUTH is written before them,
    // so its reply comes first and must be first in line for it.
    this.#inflight.unshift(auth);
    this.#socket.write(encodeCommand(username ? ['AUTH', username, password] : ['AUTH', password]));
    if (!tunnel) ready();
  }

  /**
   * Turns a dedicated connection into a tunnel: once the replies in flight are read, whatever
   * the server sends goes to `onRaw` unframed. The caller writes nothing raw before then.
   */
  tunnel(onRaw: (chunk: Buffer) => void): void {
    this.#onRaw = onRaw;
  }

  /** Queues a request; `raw` is a complete RESP command. */
  send(raw: Buffer, request: Pending): void {
    if (this.#closed) {
      request.settle(unavailable(this.server), true, 0);
      return;
    }
    request.sentAt = performance.now();
    this.#inflight.push(request);
    this.#outbox.push(raw);
    if (!this.#flushScheduled && this.#ready) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** For tunnels: writes bytes with no reply expected. */
  writeRaw(raw: Buffer): void {
    if (this.#ready) this.#socket.write(raw);
    else this.#outbox.push(raw);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#closed || !this.#ready || this.#outbox.length === 0) return;
    const out = this.#outbox.length === 1 ? (this.#outbox[0] as Buffer) : Buffer.concat(this.#outbox);
    this.#outbox = [];
    this.#socket.write(out);
  }

  #onData(chunk: Buffer): void {
    this.#lastData = performance.now();
    if (this.#onRaw && this.#inflight.length === 0) {
      this.#onRaw(chunk);
      return;
    }
    let replies: Buffer[];
    try {
      replies = this.#scanner.push(chunk);
    } catch (error) {
      this.fail(`${this.server.name}: ${(error as Error).message}`);
      return;
    }
    const now = this.#lastData; // one clock read per chunk, not per reply
    for (const reply of replies) {
      const request = this.#inflight.shift();
      if (!request) {
        this.fail(`${this.server.name}: a reply nobody asked for`);
        return;
      }
      request.settle(reply, false, (now - request.sentAt) / 1000);
    }
    if (replies.length > 0) this.options.onSuccess();
  }

  /**
   * A server is failed when it has sent nothing for the timeout while a request waits. The clock
   * runs from the later of the oldest request's send and the server's last bytes: a server busy
   * answering a long pipeline (one client's 400 GETs of 1 MiB) is slow to reach the last
   * request, not stuck, and failing it would fail every other client's commands on it too.
   */
  #checkTimeout(): void {
    // A check that runs late means this process did not run (a long GC, a starved CPU): the
    // server's bytes may be waiting unread, and timers run before sockets are read. That stall
    // is ours, not the server's: the clock starts again.
    const now = performance.now();
    const stalled = now - this.#lastCheck > 2 * this.#checkEveryMs;
    this.#lastCheck = now;
    if (stalled) {
      this.#lastData = now;
      return;
    }
    const oldest = this.#inflight.peek();
    if (oldest && performance.now() - Math.max(oldest.sentAt, this.#lastData) > this.options.timeoutMs) {
      this.fail(`${this.server.name}: no reply within ${this.options.timeoutMs}ms`);
    }
  }

  /** Closes the connection and answers everything in flight with an error. */
  fail(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#socket.destroy();
    const inflight = this.#inflight.drain();
    this.#outbox = [];
    this.options.onFailure(reason);
    this.options.onClosed();
    const reply = unavailable(this.server);
    for (const request of inflight) request.settle(reply, true, 0);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#socket.end();
    this.options.onClosed();
  }
}

export function unavailable(server: ServerSpec): Buffer {
  return Buffer.from(`-ERR backend ${server.name} unavailable\r\n`);
}

export function readTls(config: {
  REDIS_TLS: boolean;
  REDIS_TLS_CA_FILE?: string;
  REDIS_TLS_CERT_FILE?: string;
  REDIS_TLS_KEY_FILE?: string;
}) {
  if (!config.REDIS_TLS) return undefined;
  const read = (file?: string) => (file ? readFileSync(file) : undefined);
  return {
    ca: read(config.REDIS_TLS_CA_FILE),
    cert: read(config.REDIS_TLS_CERT_FILE),
    key: read(config.REDIS_TLS_KEY_FILE),
  };
}
