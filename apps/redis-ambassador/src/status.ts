// The status document on the ops port (README, "Status document"): each server as the
// ambassador sees it (commands sent, its state, its last failure), and, for the keys a caller
// names (`?key=a&key=b`), the server each one goes to now. web's /_pod asks for the keys it
// writes, so the page shows which shard counts which page.
import type { AmbassadorMetrics } from './metrics.js';
import type { Topology } from './topology.js';

const MAX_KEYS = 32;
const MAX_KEY_BYTES = 512;

export interface ServerStatus {
  name: string;
  address: string;
  /** ok; failing (paused after a failure, SERVER_RETRY_TIMEOUT); ejected (out of the ring). */
  state: 'ok' | 'failing' | 'ejected';
  commands: number;
  connections: number;
  last_failure: { at: string; reason: string } | null;
}

export class StatusDocument {
  readonly #lastFailure = new Map<string, { at: string; reason: string }>();

  constructor(
    private readonly topology: () => Topology | undefined,
    private readonly metrics: AmbassadorMetrics,
  ) {}

  /** Called on each server failure (the topology's onFailure). */
  failed(server: string, reason: string): void {
    this.#lastFailure.set(server, { at: new Date().toISOString(), reason });
  }

  /** The document for a request URL; the keys are its `key` parameters (at most 32, of up to 512 bytes). */
  read(url: string | undefined): { sharded: boolean; servers: ServerStatus[]; keys: Record<string, string | null> } {
    const topology = this.topology();
    const pools = topology?.pools ?? [];
    const keys = new URL(url ?? '/', 'http://status').searchParams
      .getAll('key')
      .filter((k) => k.length > 0 && Buffer.byteLength(k) <= MAX_KEY_BYTES)
      .slice(0, MAX_KEYS);
    return {
      sharded: topology?.sharded ?? false,
      servers: pools.map((p) => ({
        name: p.name,
        address: `${p.spec.host}:${p.spec.port}`,
        state: p.ejected() ? 'ejected' : p.available() ? 'ok' : 'failing',
        commands: this.metrics.commandsTo(p.name),
        connections: this.metrics.connectionsTo(p.name),
        last_failure: this.#lastFailure.get(p.name) ?? null,
      })),
      keys: Object.fromEntries(keys.map((k) => [k, topology?.forKey(Buffer.from(k))?.name ?? null])),
    };
  }
}
