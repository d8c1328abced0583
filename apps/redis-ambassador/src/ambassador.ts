// The listener: accepts clients up to the limit, holds the current topology (swapped whole on a
// reload, without dropping a client), and drains on shutdown.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@pod-patterns/kit';
import { ClientConnection, type ClientContext } from './client/connection.js';
import type { AmbassadorMetrics } from './metrics.js';
import { error } from './resp/encode.js';
import type { ServerSpec } from './servers.js';
import { Topology, type TopologyOptions } from './topology.js';

export interface AmbassadorOptions
  extends Omit<ClientContext, 'topology' | 'localInfo' | 'ambassadorInfo' | 'metrics' | 'logger'> {
  maxClients: number;
  topology: TopologyOptions;
  version: string;
}

export class Ambassador {
  readonly server: Server;
  readonly #clients = new Set<ClientConnection>();
  #topology: Topology;

  constructor(
    specs: ServerSpec[],
    private readonly options: AmbassadorOptions,
    metrics: AmbassadorMetrics,
    private readonly logger: Logger,
  ) {
    this.#topology = new Topology(specs, options.topology);
    const context: ClientContext = {
      ...options,
      topology: () => this.#topology,
      localInfo: () => this.localInfo(),
      ambassadorInfo: () => this.ambassadorInfo(),
      metrics,
      logger,
    };
    this.server = createServer((socket: Socket) => {
      if (this.#clients.size >= options.maxClients) {
        metrics.error('too_many_clients');
        socket.end(error('ERR max number of clients reached'));
        return;
      }
      const client = new ClientConnection(socket, context, (c) => {
        this.#clients.delete(c);
        metrics.clients = this.#clients.size;
      });
      this.#clients.add(client);
      metrics.clients = this.#clients.size;
    });
  }

  get topology(): Topology {
    return this.#topology;
  }

  /** Applies a new server list; clients keep their connections, servers that stay keep theirs. */
  reload(specs: ServerSpec[]): void {
    this.#topology = new Topology(specs, this.options.topology, this.#topology);
    this.logger.info({ servers: specs.map((s) => `${s.name}=${s.host}:${s.port}:${s.weight}`) }, 'server list applied');
  }

  /**
   * INFO when sharded: only what is true of the ambassador as a whole. Each server's own INFO is
   * a different answer; with one server, the client gets that server's INFO plus the section below.
   */
  localInfo(): string {
    return [
      '# Server',
      'redis_version:7.0.0', // the protocol it speaks
      'redis_mode:standalone',
      '',
      '# Clients',
      `connected_clients:${this.#clients.size}`,
      'blocked_clients:0', // blocking commands are refused when sharded
      '',
      this.ambassadorInfo(),
    ].join('\r\n');
  }

  ambassadorInfo(): string {
    const now = Date.now();
    const pools = this.#topology.pools;
    return [
      // Named apart from Redis' own fields, which a client may read from the same reply.
      '# Ambassador',
      `servers:${pools.length}`,
      `sharded:${this.#topology.sharded ? 1 : 0}`,
      `hash:${this.options.topology.hash}`,
      `distribution:${this.options.topology.distribution}`,
      `ambassador_version:${this.options.version}`,
      `ambassador_clients:${this.#clients.size}`,
      ...pools.map(
        (p, i) =>
          `server${i}:name=${p.name},addr=${p.spec.host}:${p.spec.port},weight=${p.spec.weight},ejected=${p.ejected(now) ? 1 : 0}`,
      ),
      '',
    ].join('\r\n');
  }

  /** Stops accepting; every client ends once the replies it is owed are written. */
  async drain(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const client of this.#clients) client.drain();
      const deadline = setTimeout(() => {
        for (const client of this.#clients) client.socket.destroy();
      }, timeoutMs);
      deadline.unref();
    });
  }
}
