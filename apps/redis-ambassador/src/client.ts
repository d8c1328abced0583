// One client connection. Commands are parsed as they arrive and answered strictly in the order
// they were sent, whichever server answers first: every command takes a slot in a FIFO, and a
// reply is written only once every slot before it is filled. A failed server, a denied or
// unsupported command, or a sharded command that cannot be served gets an error in its own
// slot; the connection stays usable. Only a framing error closes it, after its error reply.
import type { Socket } from 'node:net';
import type { Logger } from '@pod-patterns/kit';
import { type BackendConnection, type Pending, pending } from './backend.js';
import {
  BLOCKING,
  isKill,
  KEY_AT_2,
  NO_KEY,
  SAME_SERVER,
  SPLIT,
  TRANSACTION,
  TUNNEL,
  UNSUPPORTED,
} from './commands.js';
import { Deque } from './deque.js';
import { answerLocally, LOCAL, type LocalState } from './local.js';
import type { AmbassadorMetrics } from './metrics.js';
import type { ServerPool } from './pool.js';
import { array, bulk, error, integer, OK } from './resp/encode.js';
import { ReplyScanner } from './resp/reply-scanner.js';
import { type Command, encodeCommand, type ParserLimits, ProtocolError, RequestParser } from './resp/request-parser.js';
import type { Topology } from './topology.js';
import { EXECABORT, Transaction } from './transaction.js';

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

interface Slot {
  reply: Buffer | undefined;
  /** CLIENT REPLY OFF or SKIP: the reply keeps its place in the order but is not written. */
  silent: boolean;
}

const DISCARD = encodeCommand(['DISCARD']);

const HIGH_WATER = 4 * 1024 * 1024;
/** While draining, a client idle this long is done. */
const DRAIN_IDLE_MS = 100;
let nextId = 1;

export class ClientConnection {
  readonly #parser: RequestParser;
  readonly #slots = new Deque<Slot>();
  readonly #state: LocalState;
  #inflight = 0;
  #pinned: { conn: BackendConnection; pool: ServerPool } | undefined;
  #transaction: Transaction | undefined;
  #waitingForPin: (() => void)[] = [];
  #tunnel = false;
  #tunnelBacklog: Buffer[] = [];
  #closing = false;
  #draining = false;
  #flushQueued = false;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    private readonly ctx: ClientContext,
    readonly onClose: (client: ClientConnection) => void,
  ) {
    this.#parser = new RequestParser(ctx.limits);
    this.#state = { authenticated: !ctx.clientPassword, name: '', id: nextId++, quit: false, silence: 0 };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(this.#idleTimer);
      this.#pinned?.conn.close();
      onClose(this);
    });
    if (ctx.idleTimeoutMs > 0) {
      socket.setTimeout(ctx.idleTimeoutMs, () => {
        if (this.#slots.length === 0 && !this.#pinned) socket.end();
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
    if (this.#idleTimer || this.#slots.length > 0) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#slots.length === 0 && this.#parser.pending === 0) this.socket.end();
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
      this.#answer(error(`ERR Protocol error: ${err.message}`));
    }
    this.flush();
  }

  #handle(command: Command): void {
    const { raw } = command;
    const name = command.name;
    const { ctx } = this;
    if (this.#tunnel) {
      // A subscribed client: Redis itself limits what it may send; the deny list still applies.
      if (ctx.deny.has(name)) {
        this.#abort(`ERR ${name} is not allowed through the ambassador`);
        return;
      }
      this.#toTunnel(raw);
      return;
    }
    if (!this.#state.authenticated && name !== 'AUTH' && name !== 'HELLO' && name !== 'QUIT') {
      ctx.metrics.error('auth');
      this.#answer(error('NOAUTH Authentication required.'));
      return;
    }
    if (this.#transaction && name !== 'QUIT') {
      this.#inTransaction(command, this.#transaction);
      return;
    }
    if (LOCAL.has(name)) {
      ctx.metrics.command(name, 'local');
      this.#answer(
        this.#pinned && name === 'RESET'
          ? error('ERR RESET is not supported on a connection in a transaction or blocking; reconnect instead')
          : answerLocally(name, command.args, this.#state, { clientPassword: ctx.clientPassword }),
      );
      if (this.#state.quit) this.#closing = true;
      return;
    }
    if (ctx.deny.has(name) || UNSUPPORTED.has(name)) {
      ctx.metrics.error('denied');
      this.#answer(error(`ERR ${name} is not allowed through the ambassador`));
      return;
    }
    if (this.#pinned) {
      if (TUNNEL.has(name)) this.#startTunnel(raw, name);
      else this.#viaPinned(raw, name);
      return;
    }

    const topology = ctx.topology();
    if (!topology.sharded) {
      const pool = topology.pools[0] as ServerPool;
      if (name === 'INFO') {
        this.#info(command, pool);
        return;
      }
      if (isKill(name, command)) {
        this.#viaOwnConnection(pool, raw, name);
        return;
      }
      const stateful =
        TRANSACTION.has(name) ||
        BLOCKING.has(name) ||
        TUNNEL.has(name) ||
        (name.startsWith('XREAD') && command.args.some((a) => /^block$/i.test(a.toString())));
      if (!stateful) {
        this.#forward(pool, raw, name);
        return;
      }
      this.#pinned = { conn: pool.dedicated(), pool };
      if (TUNNEL.has(name)) this.#startTunnel(raw, name);
      else this.#viaPinned(raw, name);
      return;
    }

    if (name === 'INFO') {
      ctx.metrics.command(name, 'local');
      this.#answer(bulk(ctx.localInfo()));
      return;
    }
    if (TRANSACTION.has(name) || BLOCKING.has(name) || TUNNEL.has(name) || NO_KEY.has(name) || command.argc < 2) {
      ctx.metrics.error('sharded');
      this.#answer(error(`ERR ${name} is not supported when sharded across ${topology.pools.length} servers`));
      return;
    }
    const split = SPLIT[name];
    if (split) {
      this.#split(split, name, command.args, raw, topology);
      return;
    }
    const keysOf = SAME_SERVER[name];
    if (keysOf) {
      const pools = new Set(keysOf(command.args).map((k) => topology.forKey(k)));
      if (pools.size > 1) {
        ctx.metrics.error('sharded');
        this.#answer(
          error(
            `ERR ${name} across keys on different servers is not supported when sharded; use a hash tag such as {user1}`,
          ),
        );
        return;
      }
      const [pool] = pools;
      if (pool) this.#forward(pool, raw, name);
      else this.#noServer();
      return;
    }
    const key = command.arg(KEY_AT_2.has(name) ? 2 : 1);
    const pool = key ? topology.forKey(key) : undefined;
    if (pool) this.#forward(pool, raw, name);
    else if (key) this.#noServer();
    else this.#answer(error(`ERR ${name} needs a key`));
  }

  #noServer(): void {
    this.ctx.metrics.error('unavailable');
    this.#answer(error('ERR no server available: every server is ejected'));
  }

  /** Sends one command to one server; its reply fills this command's slot. */
  #forward(pool: ServerPool, raw: Buffer, name: string): void {
    const slot = new Forwarded(this, pool.name);
    this.#push(slot);
    this.#inflight += 1;
    this.ctx.metrics.command(name, pool.name);
    pool.send(raw, slot);
  }

  /** The reply to a forwarded command, or its failure. */
  settled(slot: Forwarded, reply: Buffer, failed: boolean, seconds: number): void {
    this.#inflight -= 1;
    if (failed) this.ctx.metrics.error('unavailable');
    else this.ctx.metrics.latency(slot.server, seconds);
    this.#fill(slot, reply);
    if (this.#inflight === 0 && this.#waitingForPin.length > 0) {
      for (const send of this.#waitingForPin.splice(0)) send();
    }
  }

  /** MGET, DEL, UNLINK, EXISTS, TOUCH and MSET across servers: one sub-command per server, merged. */
  #split(kind: 'mget' | 'sum' | 'mset', name: string, args: Buffer[], raw: Buffer, topology: Topology): void {
    const step = kind === 'mset' ? 2 : 1;
    if (args.length < 2 || (kind === 'mset' && args.length % 2 === 0)) {
      this.#answer(error(`ERR wrong number of arguments for '${name.toLowerCase()}' command`));
      return;
    }
    const groups = new Map<ServerPool, number[]>();
    for (let i = 1; i < args.length; i += step) {
      const pool = topology.forKey(args[i] as Buffer);
      if (!pool) {
        this.#noServer();
        return;
      }
      const list = groups.get(pool) ?? [];
      list.push(i);
      groups.set(pool, list);
    }
    if (groups.size === 1) {
      this.#forward([...groups.keys()][0] as ServerPool, raw, name);
      return;
    }

    const slot = this.#slot();
    const parts = [...groups];
    const replies: Buffer[] = new Array(parts.length);
    let remaining = parts.length;
    this.#inflight += 1;
    parts.forEach(([pool, indices], part) => {
      const subArgs = [
        args[0] as Buffer,
        ...indices.flatMap((i) => (kind === 'mset' ? [args[i] as Buffer, args[i + 1] as Buffer] : [args[i] as Buffer])),
      ];
      this.ctx.metrics.command(name, pool.name);
      pool.send(
        encodeCommand(subArgs),
        pending((reply, failed, seconds) => {
          if (failed) this.ctx.metrics.error('unavailable');
          else this.ctx.metrics.latency(pool.name, seconds);
          replies[part] = reply;
          if (--remaining > 0) return;
          this.#inflight -= 1;
          this.#fill(
            slot,
            merge(
              kind,
              args.length,
              parts.map(([, i]) => i),
              replies,
            ),
          );
        }),
      );
    });
  }

  /**
   * Inside MULTI: what the server runs is queued there, what is answered here is queued in the
   * Transaction, and a refused command makes EXEC discard everything.
   */
  #inTransaction(command: Command, transaction: Transaction): void {
    const name = command.name;
    const { ctx } = this;
    if (name === 'EXEC' || name === 'DISCARD') {
      this.#transaction = undefined;
      if (name === 'EXEC' && transaction.refused) this.#viaPinned(DISCARD, name, () => EXECABORT);
      else this.#viaPinned(command.raw, name, (reply) => transaction.execReply(reply));
    } else if (ctx.deny.has(name) || UNSUPPORTED.has(name) || name === 'RESET') {
      ctx.metrics.error('denied');
      transaction.refused = true;
      this.#answer(error(`ERR ${name} is not allowed through the ambassador`));
    } else if (TUNNEL.has(name)) {
      // Queued, and run at EXEC: after it the server may stream, so it is the server's from now on.
      this.#transaction = undefined;
      this.#startTunnel(command.raw, name);
    } else if (LOCAL.has(name)) {
      ctx.metrics.command(name, 'local');
      const reply = answerLocally(name, command.args, this.#state, { clientPassword: ctx.clientPassword });
      this.#answer(transaction.queueLocal(reply));
    } else {
      const queued = transaction.queueForwarded();
      this.#viaPinned(command.raw, name, (reply) => {
        queued(reply);
        return reply;
      });
    }
  }

  /**
   * Sends a command on this client's own server connection. `mapReply` shapes the reply the
   * client gets (EXEC's results with the local ones put back, say).
   */
  #viaPinned(raw: Buffer, name: string, mapReply?: (reply: Buffer) => Buffer): void {
    const pinned = this.#pinned as { conn: BackendConnection; pool: ServerPool };
    if (name === 'MULTI' && !this.#transaction) this.#transaction = new Transaction();
    const slot = this.#slot();
    this.ctx.metrics.command(name, pinned.pool.name);
    const send = () =>
      pinned.conn.send(
        raw,
        pending((reply, failed) => {
          this.#fill(slot, mapReply && !failed ? mapReply(reply) : reply);
          // The connection held this client's transaction or subscription: that state is gone.
          if (failed) this.#closing = true;
        }),
      );
    // Commands already sent on the shared connection must run first.
    if (this.#inflight > 0) this.#waitingForPin.push(send);
    else send();
  }

  /** From this command on, bytes pass between the client and its own server connection as they are. */
  #startTunnel(raw: Buffer, name: string): void {
    const pinned = this.#pinned as { conn: BackendConnection; pool: ServerPool };
    this.ctx.metrics.command(name, pinned.pool.name);
    pinned.conn.tunnel((chunk) => this.socket.write(chunk));
    this.#tunnel = true;
    this.#toTunnel(raw);
  }

  /** SCRIPT KILL and FUNCTION KILL: a connection of their own, since the shared one waits on the script. */
  #viaOwnConnection(pool: ServerPool, raw: Buffer, name: string): void {
    const conn = pool.dedicated();
    const slot = this.#slot();
    this.ctx.metrics.command(name, pool.name);
    conn.send(
      raw,
      pending((reply) => {
        conn.close();
        this.#fill(slot, reply);
      }),
    );
  }

  /** One server: its own INFO, with the ambassador's section added when all of it is asked for. */
  #info(command: Command, pool: ServerPool): void {
    const sections = command.args.slice(1).map((a) => a.toString('latin1').toLowerCase());
    const ours =
      sections.length === 0 || sections.some((s) => ['all', 'everything', 'default', 'ambassador'].includes(s));
    if (sections.length > 0 && sections.every((s) => s === 'ambassador')) {
      this.ctx.metrics.command('INFO', 'local');
      this.#answer(bulk(this.ctx.ambassadorInfo()));
      return;
    }
    const slot = this.#slot();
    this.#inflight += 1;
    this.ctx.metrics.command('INFO', pool.name);
    pool.send(
      command.raw,
      pending((reply, failed) => {
        this.#inflight -= 1;
        if (failed) this.ctx.metrics.error('unavailable');
        this.#fill(slot, ours && !failed ? withSection(reply, this.ctx.ambassadorInfo()) : reply);
      }),
    );
  }

  #toTunnel(raw: Buffer): void {
    // Replies owed from before the subscription are written first, then bytes flow both ways.
    if (this.#slots.length > 0 || this.#tunnelBacklog.length > 0) this.#tunnelBacklog.push(raw);
    else this.#pinned?.conn.writeRaw(raw);
  }

  #abort(message: string): void {
    this.ctx.metrics.error('denied');
    this.socket.end(error(message));
    this.#closing = true;
  }

  /** Every reply takes its place in the order here, written or (CLIENT REPLY OFF, SKIP) not. */
  #push(slot: Slot): void {
    if (this.#state.silence > 0) {
      slot.silent = true;
      this.#state.silence -= 1;
    }
    this.#slots.push(slot);
  }

  #slot(): Slot {
    const slot: Slot = { reply: undefined, silent: false };
    this.#push(slot);
    return slot;
  }

  #answer(reply: Buffer): void {
    this.#push({ reply, silent: false });
  }

  /**
   * Fills a slot; the write happens once the current read is fully dispatched (a microtask),
   * so the replies of a whole pipeline leave in one write instead of one write each.
   */
  #fill(slot: Slot, reply: Buffer): void {
    slot.reply = reply;
    if (this.#flushQueued || this.#slots.peek() !== slot) return;
    this.#flushQueued = true;
    flushSoon(this);
  }

  /** Writes every reply at the head of the FIFO that is ready, in one write. */
  flush(): void {
    this.#flushQueued = false;
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    for (let head = this.#slots.peek(); head?.reply; head = this.#slots.peek()) {
      this.#slots.shift();
      if (head.silent) continue;
      if (first === undefined) first = head.reply;
      else {
        more ??= [first];
        more.push(head.reply);
      }
    }
    if (first !== undefined && !this.socket.destroyed) {
      const ok = this.socket.write(more ? Buffer.concat(more) : first);
      if (!ok && this.socket.writableLength > HIGH_WATER) this.socket.pause(); // a slow reader: stop reading
    }
    if (this.#slots.length === 0) {
      if (this.#tunnelBacklog.length > 0 && this.#pinned) {
        for (const raw of this.#tunnelBacklog.splice(0)) this.#pinned.conn.writeRaw(raw);
      }
      if (this.#closing) this.socket.end();
      else if (this.#draining) this.#endWhenIdle();
    }
  }
}

/** A command sent to one server: its slot in the reply order, and the request that server settles. */
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
  if (reply[0] !== 0x24) return reply; // an error: passed on as it is
  const body = reply.subarray(reply.indexOf(10) + 1, reply.length - 2);
  return bulk(Buffer.concat([body, Buffer.from(`\r\n${section}`)]));
}

// One microtask for every client a server's read answered, rather than one closure per client.
let dirty: ClientConnection[] = [];

function flushSoon(client: ClientConnection): void {
  if (dirty.push(client) === 1) queueMicrotask(flushDirty);
}

function flushDirty(): void {
  const clients = dirty;
  dirty = [];
  for (const client of clients) client.flush();
}

/** Puts the replies of a split command back together, in the order of the original keys. */
function merge(kind: 'mget' | 'sum' | 'mset', argc: number, indices: number[][], replies: Buffer[]): Buffer {
  const failed = replies.find((r) => r[0] === 45);
  if (failed) return failed;
  if (kind === 'mset') return OK;
  if (kind === 'sum') return integer(replies.reduce((total, r) => total + Number(r.toString('latin1', 1).trim()), 0));
  const values: Buffer[] = new Array(argc - 1);
  replies.forEach((reply, part) => {
    const elements = new ReplyScanner().push(reply.subarray(reply.indexOf(10) + 1));
    (indices[part] as number[]).forEach((argIndex, n) => {
      values[argIndex - 1] = elements[n] as Buffer;
    });
  });
  return array(values);
}
