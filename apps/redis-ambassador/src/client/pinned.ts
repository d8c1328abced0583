// A client's own server connection, for state that must not leak to other clients: a
// transaction, a blocking command, a subscription. A client stays pinned until it disconnects.
// Two orders must hold across the switch. Commands the client sent before, on the shared
// connection, run first: a command for the pinned one waits until they are answered. And once
// tunnelled (SUBSCRIBE, MONITOR), the server's bytes go to the client as they arrive, so the
// client's bytes wait until every reply owed from before the tunnel is written.
import type { Socket } from 'node:net';
import { type BackendConnection, pending } from '../backend.js';
import { TUNNEL } from '../commands.js';
import type { AmbassadorMetrics } from '../metrics.js';
import type { ServerPool } from '../pool.js';
import { Transaction } from '../transaction.js';
import type { ReplyOrder } from './reply-order.js';

/** What a pinned connection needs of its client. */
export interface PinnedClient {
  socket: Socket;
  order: ReplyOrder;
  metrics: AmbassadorMetrics;
  /** The client's commands still unanswered on shared connections. */
  sharedInflight(): number;
  /** The server connection failed: the transaction or subscription it held is gone. */
  lost(): void;
}

export class Pinned {
  readonly #conn: BackendConnection;
  /** MULTI ... EXEC, open. */
  transaction: Transaction | undefined;
  #tunnelled = false;
  /** Sends held until the client's shared commands are answered. */
  #waiting: (() => void)[] = [];
  /** The client's bytes for the tunnel, held until the replies owed before it are written. */
  #tunnelBacklog: Buffer[] = [];

  constructor(
    readonly pool: ServerPool,
    private readonly client: PinnedClient,
  ) {
    this.#conn = pool.dedicated();
  }

  /** From SUBSCRIBE or MONITOR on, bytes pass both ways as they are. */
  get tunnelled(): boolean {
    return this.#tunnelled;
  }

  /** A command for this connection: the first SUBSCRIBE or MONITOR turns it into a tunnel. */
  forward(raw: Buffer, name: string): void {
    if (TUNNEL.has(name)) this.startTunnel(raw, name);
    else this.send(raw, name);
  }

  /** Sends a command; `mapReply` shapes what the client gets (EXEC's results with the local ones put back). */
  send(raw: Buffer, name: string, mapReply?: (reply: Buffer) => Buffer): void {
    const { client } = this;
    if (name === 'MULTI' && !this.transaction) this.transaction = new Transaction();
    const slot = client.order.reserve();
    client.metrics.command(name, this.pool.name);
    const send = () =>
      this.#conn.send(
        raw,
        pending((reply, failed) => {
          client.order.fill(slot, mapReply && !failed ? mapReply(reply) : reply);
          if (failed) client.lost();
        }),
      );
    if (client.sharedInflight() > 0) this.#waiting.push(send);
    else send();
  }

  /** The client's shared commands are all answered: what waited for them is sent. */
  sharedSettled(): void {
    for (const send of this.#waiting.splice(0)) send();
  }

  startTunnel(raw: Buffer, name: string): void {
    this.client.metrics.command(name, this.pool.name);
    this.#conn.tunnel((chunk) => this.client.socket.write(chunk));
    this.#tunnelled = true;
    this.toTunnel(raw);
  }

  /** The client's bytes, in the tunnel. */
  toTunnel(raw: Buffer): void {
    if (this.client.order.owed > 0 || this.#tunnelBacklog.length > 0) this.#tunnelBacklog.push(raw);
    else this.#conn.writeRaw(raw);
  }

  /** Every reply owed is written: the held bytes go. */
  repliesWritten(): void {
    if (this.#tunnelBacklog.length === 0) return;
    for (const raw of this.#tunnelBacklog.splice(0)) this.#conn.writeRaw(raw);
  }

  close(): void {
    this.#conn.close();
  }
}
