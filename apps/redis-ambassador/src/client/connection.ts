// One client connection. Commands are parsed as they arrive and each is dispatched at once:
// answered here, refused, or sent to a server (routing.ts says which), split across servers
// (fan-out.ts) or sent on the client's own server connection (pinned.ts). Replies leave in the
// order the commands came (reply-order.ts). A failed server, a denied or unsupported command,
// or a sharded command that cannot be served gets an error in its own place in that order; the
// connection stays usable. Only a framing error closes it, after its error reply.
import type { Socket } from 'node:net';
import type { Logger } from '@pod-patterns/kit';
import { type Pending, pending } from '../backend.js';
import { isKill, refusal, refusedInTunnel, TUNNEL, UNSUPPORTED } from '../commands.js';
import { answerLocally, LOCAL, type LocalState } from '../local.js';
import type { AmbassadorMetrics } from '../metrics.js';
import { ServerPool } from '../pool.js';
import { afterHeader, BULK } from '../resp/bytes.js';
import { bulk, error } from '../resp/encode.js';
import {
  type Command,
  encodeCommand,
  type ParserLimits,
  ProtocolError,
  RequestParser,
} from '../resp/request-parser.js';
import type { Topology } from '../topology.js';
import { EXECABORT, type Transaction } from '../transaction.js';
import { fanOut } from './fan-out.js';
import { Pinned } from './pinned.js';
import { ReplyOrder, type Slot } from './reply-order.js';
import { needsOwnConnection, type Refusal, routeSharded } from './routing.js';

export interface ClientContext {
  topology: () => Topology;
  deny: Set<string>;
  clientPassword: string | undefined;
  limits: ParserLimits;
  idleTimeoutMs: number;
  metrics: AmbassadorMetrics;
  logger: Logger;
  /** The INFO the ambassador answers itself: its own sections only. */
  localInfo: () => string;
  /** The section added to a server's INFO. */
  ambassadorInfo: () => string;
}

const DISCARD = encodeCommand(['DISCARD']);
/** While draining, a client idle this long is done. */
const DRAIN_IDLE_MS = 100;
let nextId = 1;

export class ClientConnection {
  readonly #parser: RequestParser;
  readonly #order: ReplyOrder;
  readonly #state: LocalState;
  /** This client's commands unanswered on shared server connections: a pinned command waits for them. */
  #sharedInflight = 0;
  #pinned: Pinned | undefined;
  #closing = false;
  #draining = false;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    private readonly ctx: ClientContext,
    readonly onClose: (client: ClientConnection) => void,
  ) {
    this.#parser = new RequestParser(ctx.limits);
    this.#state = { authenticated: !ctx.clientPassword, name: '', id: nextId++, quit: false, silence: 0 };
    this.#order = new ReplyOrder(socket, this.#state, () => this.#allWritten());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(this.#idleTimer);
      this.#pinned?.close();
      onClose(this);
    });
    if (ctx.idleTimeoutMs > 0) {
      socket.setTimeout(ctx.idleTimeoutMs, () => {
        if (this.#order.owed === 0 && !this.#pinned) socket.end();
      });
    }
  }

  /**
   * Shutdown: the client is still served (commands it sent before the signal may still be in
   * the socket's buffer), and the connection ends once it has been idle for a moment.
   */
  drain(): void {
    this.#draining = true;
    this.#endWhenIdle();
  }

  #endWhenIdle(): void {
    if (this.#idleTimer || this.#order.owed > 0) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#order.owed === 0 && this.#parser.pending === 0) this.socket.end();
      else this.#endWhenIdle();
    }, DRAIN_IDLE_MS);
  }

  /** Commands are handled as they are parsed; after QUIT or a denied command in a tunnel, none are. */
  readonly #onCommand = (command: Command): void => {
    if (!this.#closing) this.#handle(command);
  };

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    try {
      this.#parser.push(chunk, this.#onCommand);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // The commands before the bad bytes were handled, and get their replies first.
      this.ctx.metrics.error('protocol');
      this.#closing = true;
      this.#order.answer(error(`ERR Protocol error: ${err.message}`));
    }
    this.#order.flush();
  }

  /** Every reply owed has been written. */
  #allWritten(): void {
    this.#pinned?.repliesWritten();
    if (this.#closing) this.socket.end();
    else if (this.#draining) this.#endWhenIdle();
  }

  /** The checks every command passes, in this order; then where it goes. */
  #handle(command: Command): void {
    const name = command.name;
    const { ctx } = this;
    const pinned = this.#pinned;
    if (pinned?.tunnelled) {
      // What is refused outside the tunnel is refused in it: its bytes pass unframed, so a
      // refusal there ends the connection (after an UNSUBSCRIBE it may be an ordinary one).
      if (ctx.deny.has(name) || UNSUPPORTED.has(name) || refusedInTunnel(name, command))
        this.#abort(`ERR ${name} is not allowed on a tunnelled (pub/sub or MONITOR) connection through the ambassador`);
      else pinned.toTunnel(command.raw);
      return;
    }
    if (!this.#state.authenticated && name !== 'AUTH' && name !== 'HELLO' && name !== 'QUIT') {
      ctx.metrics.error('auth');
      this.#order.answer(error('NOAUTH Authentication required.'));
      return;
    }
    if (pinned?.transaction && name !== 'QUIT') {
      this.#inTransaction(command, name, pinned, pinned.transaction);
      return;
    }
    if (LOCAL.has(name)) {
      ctx.metrics.command(name, 'local');
      this.#order.answer(
        pinned && name === 'RESET'
          ? error('ERR RESET is not supported on a connection in a transaction or blocking; reconnect instead')
          : answerLocally(name, command.args, this.#state, { clientPassword: ctx.clientPassword }),
      );
      if (this.#state.quit) this.#closing = true;
      return;
    }
    if (ctx.deny.has(name) || UNSUPPORTED.has(name)) {
      ctx.metrics.error('denied');
      this.#order.answer(error(refusal(name)));
      return;
    }
    if (pinned) {
      pinned.forward(command.raw, name);
      return;
    }
    const topology = ctx.topology();
    if (topology.sharded) this.#sharded(command, name, topology);
    else this.#oneServer(command, name, topology.pools[0] as ServerPool);
  }

  #oneServer(command: Command, name: string, pool: ServerPool): void {
    if (name === 'INFO') this.#info(command, pool);
    else if (isKill(name, command)) this.#viaOwnConnection(pool, command.raw, name);
    else if (!needsOwnConnection(name, command)) this.#forward(pool, command.raw, name);
    else {
      this.#pinned = new Pinned(pool, {
        socket: this.socket,
        order: this.#order,
        metrics: this.ctx.metrics,
        sharedInflight: () => this.#sharedInflight,
        lost: () => {
          this.#closing = true;
        },
      });
      this.#pinned.forward(command.raw, name);
    }
  }

  #sharded(command: Command, name: string, topology: Topology): void {
    if (name === 'INFO') {
      this.ctx.metrics.command(name, 'local');
      this.#order.answer(bulk(this.ctx.localInfo()));
      return;
    }
    const route = routeSharded(command, name, topology);
    if (route instanceof ServerPool) this.#forward(route, command.raw, name);
    else if ('refused' in route) this.#refuse(route);
    else {
      const slot = this.#order.reserve();
      this.#sharedInflight += 1;
      fanOut(route, name, command.args, this.ctx.metrics, (merged) => this.#sharedAnswered(slot, merged));
    }
  }

  #refuse({ refused, metric }: Refusal): void {
    if (metric) this.ctx.metrics.error(metric);
    this.#order.answer(error(refused));
  }

  /** Sends one command to one server's shared connection; its reply fills this command's slot. */
  #forward(pool: ServerPool, raw: Buffer, name: string): void {
    const slot = new Forwarded(this, pool.name);
    this.#order.add(slot);
    this.#sharedInflight += 1;
    this.ctx.metrics.command(name, pool.name);
    pool.send(raw, slot);
  }

  /** The reply to a forwarded command, or its failure. */
  settled(slot: Forwarded, reply: Buffer, failed: boolean, seconds: number): void {
    if (failed) this.ctx.metrics.error('unavailable');
    else this.ctx.metrics.latency(slot.server, seconds);
    this.#sharedAnswered(slot, reply);
  }

  /** A reply from a shared connection: once none is outstanding, pinned commands may go. */
  #sharedAnswered(slot: Slot, reply: Buffer): void {
    this.#sharedInflight -= 1;
    this.#order.fill(slot, reply);
    if (this.#sharedInflight === 0) this.#pinned?.sharedSettled();
  }

  /**
   * Inside MULTI: what the server runs is queued there, what is answered here is queued in the
   * Transaction, and a refused command makes EXEC discard everything.
   */
  #inTransaction(command: Command, name: string, pinned: Pinned, transaction: Transaction): void {
    const { ctx } = this;
    if (name === 'EXEC' || name === 'DISCARD') {
      pinned.transaction = undefined;
      if (name === 'EXEC' && transaction.refused) pinned.send(DISCARD, name, () => EXECABORT);
      else pinned.send(command.raw, name, (reply) => transaction.execReply(reply));
    } else if (ctx.deny.has(name) || UNSUPPORTED.has(name) || name === 'RESET') {
      ctx.metrics.error('denied');
      transaction.refused = true;
      this.#order.answer(error(refusal(name)));
    } else if (TUNNEL.has(name)) {
      // Queued, and run at EXEC: after it the server may stream, so it is the server's from now on.
      pinned.transaction = undefined;
      pinned.startTunnel(command.raw, name);
    } else if (LOCAL.has(name)) {
      ctx.metrics.command(name, 'local');
      const reply = answerLocally(name, command.args, this.#state, { clientPassword: ctx.clientPassword });
      this.#order.answer(transaction.queueLocal(reply));
    } else {
      const queued = transaction.queueForwarded();
      pinned.send(command.raw, name, (reply) => {
        queued(reply);
        return reply;
      });
    }
  }

  /** SCRIPT KILL and FUNCTION KILL: a connection of their own, since the shared one waits on the script. */
  #viaOwnConnection(pool: ServerPool, raw: Buffer, name: string): void {
    const conn = pool.dedicated();
    const slot = this.#order.reserve();
    this.ctx.metrics.command(name, pool.name);
    conn.send(
      raw,
      pending((reply) => {
        conn.close();
        this.#order.fill(slot, reply);
      }),
    );
  }

  /** One server: its own INFO, with the ambassador's section added when all of it is asked for. */
  #info(command: Command, pool: ServerPool): void {
    const sections = command.args.slice(1).map((a) => a.toString('latin1').toLowerCase());
    if (sections.length > 0 && sections.every((s) => s === 'ambassador')) {
      this.ctx.metrics.command('INFO', 'local');
      this.#order.answer(bulk(this.ctx.ambassadorInfo()));
      return;
    }
    const ours =
      sections.length === 0 || sections.some((s) => ['all', 'everything', 'default', 'ambassador'].includes(s));
    const slot = this.#order.reserve();
    this.#sharedInflight += 1;
    this.ctx.metrics.command('INFO', pool.name);
    pool.send(
      command.raw,
      pending((reply, failed) => {
        if (failed) this.ctx.metrics.error('unavailable');
        this.#sharedAnswered(slot, ours && !failed ? withSection(reply, this.ctx.ambassadorInfo()) : reply);
      }),
    );
  }

  #abort(message: string): void {
    this.ctx.metrics.error('denied');
    this.socket.end(error(message));
    this.#closing = true;
  }
}

/**
 * A command sent to one server: its place in the reply order and the request that server
 * settles, in one object, since every forwarded command makes one.
 */
class Forwarded implements Slot, Pending {
  reply: Buffer | undefined = undefined;
  silent = false;
  sentAt = 0;

  constructor(
    readonly client: ClientConnection,
    readonly server: string,
  ) {}

  settle(reply: Buffer, failed: boolean, seconds: number): void {
    this.client.settled(this, reply, failed, seconds);
  }
}

/** A server's INFO reply (a bulk string) with a section appended. */
function withSection(reply: Buffer, section: string): Buffer {
  if (reply[0] !== BULK) return reply; // an error: passed on as it is
  const body = reply.subarray(afterHeader(reply), reply.length - 2);
  return bulk(Buffer.concat([body, Buffer.from(`\r\n${section}`)]));
}
