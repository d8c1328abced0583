// The ambassador's metrics. The hot path only bumps plain numbers; prom-client reads them when
// Prometheus scrapes (collect), so no label hashing happens per command.
import { createMetricsRegistry } from '@pod-patterns/kit';
import { Counter, Gauge, type Registry } from 'prom-client';
import { commandLabel } from './known-commands.js';

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count += 1;
  }
}

export class AmbassadorMetrics {
  readonly registry: Registry;
  /** server -> command -> count: two lookups, no string built per command. */
  readonly #commands = new Map<string, Map<string, number>>();
  readonly #errors = new Map<string, number>();
  readonly #latency = new Map<string, LatencyHistogram>();
  readonly #serverConnections = new Map<string, number>();
  readonly #ejections = new Map<string, number>();
  clients = 0;

  constructor(ejected: () => Record<string, boolean>) {
    this.registry = createMetricsRegistry();
    const registers = [this.registry];
    const self = this;
    // Counters and gauges alike: reset, then add each value to a zero series.
    const fromMap = (map: Map<string, number>, label: string) =>
      function (this: Counter<string> | Gauge<string>) {
        this.reset();
        for (const [key, value] of map) this.inc({ [label]: key }, value);
      };
    new Counter({
      name: 'redis_ambassador_commands_total',
      help: 'Commands, by name and by the server that got them (local for those answered by the ambassador).',
      labelNames: ['command', 'server'],
      registers,
      collect(this: Counter<string>) {
        this.reset();
        for (const [server, byCommand] of self.#commands) {
          for (const [command, value] of byCommand) this.inc({ command, server }, value);
        }
      },
    });
    new Counter({
      name: 'redis_ambassador_errors_total',
      help: 'Errors, by kind: protocol, denied, unavailable, sharded, auth, too_many_clients, server.',
      labelNames: ['kind'],
      registers,
      collect: fromMap(this.#errors, 'kind'),
    });
    new Counter({
      name: 'redis_ambassador_server_ejections_total',
      help: 'Times a server was ejected from the ring.',
      labelNames: ['server'],
      registers,
      collect: fromMap(this.#ejections, 'server'),
    });
    new Gauge({
      name: 'redis_ambassador_client_connections',
      help: 'Client connections open now.',
      registers,
      collect(this: Gauge) {
        this.set(self.clients);
      },
    });
    new Gauge({
      name: 'redis_ambassador_server_connections',
      help: 'Connections to each server open now.',
      labelNames: ['server'],
      registers,
      collect: fromMap(this.#serverConnections, 'server'),
    });
    new Gauge({
      name: 'redis_ambassador_server_ejected',
      help: 'Whether a server is ejected from the ring now (1) or not (0).',
      labelNames: ['server'],
      registers,
      collect(this: Gauge<string>) {
        this.reset();
        for (const [server, out] of Object.entries(ejected())) this.set({ server }, out ? 1 : 0);
      },
    });
    const latency = this.#latency;
    this.registry.registerMetric({
      name: 'redis_ambassador_request_duration_seconds',
      help: 'Time from queueing a request for a server to reading its reply, by server.',
      type: 'histogram',
      get: () => ({
        name: 'redis_ambassador_request_duration_seconds',
        help: 'Time from queueing a request for a server to reading its reply, by server.',
        type: 'histogram',
        aggregator: 'sum',
        values: [...latency].flatMap(([server, h]) => {
          let cumulative = 0;
          return [
            ...[...BUCKETS, '+Inf'].map((le, i) => {
              cumulative += h.counts[i] as number;
              return {
                metricName: 'redis_ambassador_request_duration_seconds_bucket',
                labels: { server, le },
                value: cumulative,
              };
            }),
            { metricName: 'redis_ambassador_request_duration_seconds_sum', labels: { server }, value: h.sum },
            { metricName: 'redis_ambassador_request_duration_seconds_count', labels: { server }, value: h.count },
          ];
        }),
      }),
    } as unknown as Counter);
  }

  command(name: string, server: string): void {
    let byCommand = this.#commands.get(server);
    if (!byCommand) {
      byCommand = new Map();
      this.#commands.set(server, byCommand);
    }
    const label = commandLabel(name); // a client's made-up names are one `other`, not a label each
    byCommand.set(label, (byCommand.get(label) ?? 0) + 1);
  }

  /** Commands a server got, every command name together: for the status document. */
  commandsTo(server: string): number {
    let total = 0;
    for (const n of this.#commands.get(server)?.values() ?? []) total += n;
    return total;
  }

  connectionsTo(server: string): number {
    return this.#serverConnections.get(server) ?? 0;
  }

  error(kind: string): void {
    this.#errors.set(kind, (this.#errors.get(kind) ?? 0) + 1);
  }

  latency(server: string, seconds: number): void {
    let h = this.#latency.get(server);
    if (!h) {
      h = new LatencyHistogram();
      this.#latency.set(server, h);
    }
    h.observe(seconds);
  }

  serverConnection(server: string, delta: number): void {
    this.#serverConnections.set(server, (this.#serverConnections.get(server) ?? 0) + delta);
  }

  ejection(server: string): void {
    this.#ejections.set(server, (this.#ejections.get(server) ?? 0) + 1);
  }
}
