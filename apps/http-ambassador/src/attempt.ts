// One try of one request: it settles once, with the upstream's response or why there was none.
// The timers that bound it (CONNECT_TIMEOUT, TRY_TIMEOUT) live here; the broker decides what the
// outcome means for the breaker, the retry and the client.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export type Outcome =
  | { kind: 'response'; response: IncomingMessage }
  | {
      kind: 'error';
      /**
       * `client_gone`: the app closed its connection before the answer. That says nothing about
       * the upstream, so it is neither a failure nor a success for the breaker.
       */
      reason: 'connect_error' | 'reset' | 'timeout' | 'bad_response' | 'client_gone';
      message: string;
    };

export class Attempt {
  #settled = false;
  #request: { destroy(error?: Error): void } | undefined;
  #connected = false;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly resolve: (outcome: Outcome) => void,
    private readonly connectTimeoutMs: number,
    tryTimeoutMs: number,
  ) {
    this.#timers.push(
      setTimeout(() => this.#abort('timeout', `no response within ${tryTimeoutMs} ms (TRY_TIMEOUT)`), tryTimeoutMs),
    );
  }

  /** The upstream request has its socket: a new one gets CONNECT_TIMEOUT to connect. */
  sent(request: { destroy(error?: Error): void }, socket: Socket): void {
    this.#request = request;
    if (this.#settled) return void request.destroy(); // timed out before the socket was even assigned
    if (!socket.connecting) {
      this.#connected = true;
      return;
    }
    const timer = setTimeout(
      () => this.#abort('connect_error', `no connection within ${this.connectTimeoutMs} ms (CONNECT_TIMEOUT)`),
      this.connectTimeoutMs,
    );
    this.#timers.push(timer);
    socket.once(socket.constructor.name === 'TLSSocket' ? 'secureConnect' : 'connect', () => {
      this.#connected = true;
      clearTimeout(timer);
    });
  }

  settle(outcome: Outcome): void {
    if (this.#settled) return;
    this.cancel();
    this.resolve(outcome);
  }

  /** Stops the timers without an outcome (the request could not be sent at all). */
  cancel(): void {
    this.#settled = true;
    for (const timer of this.#timers) clearTimeout(timer);
  }

  settleError(error: Error & { code?: string }): void {
    const code = error.code ?? '';
    // The HTTP parser's codes (HPE_*): the upstream answered something that is not HTTP.
    if (code.startsWith('HPE_')) {
      this.settle({ kind: 'error', reason: 'bad_response', message: `malformed response (${code})` });
      return;
    }
    this.settle({ kind: 'error', reason: this.#connected ? 'reset' : 'connect_error', message: code || error.message });
  }

  /** The app went away; http-proxy-3 has already destroyed the upstream request. */
  clientGone(): void {
    this.settle({ kind: 'error', reason: 'client_gone', message: 'the client closed its connection' });
  }

  #abort(reason: 'timeout' | 'connect_error', message: string): void {
    this.settle({ kind: 'error', reason, message });
    this.#request?.destroy();
  }
}
