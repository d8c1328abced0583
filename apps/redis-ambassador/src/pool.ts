// A server as the ambassador sees it: one shared, pipelined connection for ordinary commands,
// dedicated ones for clients in a transaction, a blocking command or pub/sub, and its health.
// A connection failure or a timeout counts against the server; with AUTO_EJECT_HOSTS,
// SERVER_FAILURE_LIMIT of them in a row eject it from the ring until SERVER_RETRY_TIMEOUT.
// Without ejection its keys get an error at once for a short while, then it is tried again.
import { BackendConnection, type BackendOptions, type Pending, unavailable } from './backend.js';
import type { ServerSpec } from './servers.js';

export interface PoolOptions {
  timeoutMs: number;
  failureLimit: number;
  autoEject: boolean;
  retryMs: number;
  tls: BackendOptions['tls'];
  credentials: BackendOptions['credentials'];
  onFailure: (pool: ServerPool, reason: string, ejected: boolean) => void;
  onConnection: (pool: ServerPool, delta: 1 | -1) => void;
}

const DOWN_PAUSE_MS = 500;

export class ServerPool {
  #shared: BackendConnection | undefined;
  #failures = 0;
  #downUntil = 0;
  #ejectedUntil = 0;
  #retired = false;

  constructor(
    readonly spec: ServerSpec,
    private readonly options: PoolOptions,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** Out of the ring now (only with AUTO_EJECT_HOSTS). */
  ejected(now = Date.now()): boolean {
    return now < this.#ejectedUntil;
  }

  get ejectedUntil(): number {
    return this.#ejectedUntil;
  }

  /** Answers the server gave (or failed to give) recently: false while it is paused after a failure. */
  available(): boolean {
    return this.#downUntil === 0 || Date.now() >= this.#downUntil;
  }

  send(raw: Buffer, request: Pending): void {
    if (!this.available()) {
      request.settle(unavailable(this.spec), true, 0);
      return;
    }
    if (!this.#shared || this.#shared.closed) this.#shared = this.#connect(true);
    this.#shared.send(raw, request);
  }

  /** A connection of the client's own, for state that must not leak to other clients. */
  dedicated(): BackendConnection {
    return this.#connect(false);
  }

  #connect(shared: boolean): BackendConnection {
    this.options.onConnection(this, 1);
    const connection = new BackendConnection(this.spec, {
      timeoutMs: this.options.timeoutMs,
      requestTimeout: shared,
      tls: this.options.tls,
      credentials: this.options.credentials,
      onSuccess: () => {
        this.#failures = 0;
      },
      onClosed: () => this.options.onConnection(this, -1),
      onFailure: (reason) => {
        if (this.#retired || !shared) return;
        this.#failures += 1;
        const now = Date.now();
        const eject = this.options.autoEject && this.#failures >= this.options.failureLimit;
        if (eject) this.#ejectedUntil = now + this.options.retryMs;
        this.#downUntil = now + (eject ? this.options.retryMs : Math.min(DOWN_PAUSE_MS, this.options.retryMs));
        this.options.onFailure(this, reason, eject);
      },
    });
    return connection;
  }

  /** Closes the shared connection once it is idle (the server left the list). */
  retire(): void {
    this.#retired = true;
    const shared = this.#shared;
    if (!shared) return;
    const check = setInterval(() => {
      if (shared.inflight === 0 || shared.closed) {
        clearInterval(check);
        shared.close();
      }
    }, 50);
    check.unref();
  }
}
