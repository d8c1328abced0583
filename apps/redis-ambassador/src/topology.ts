// Which server holds a key: the hash of the key (or of its hash tag) placed by the distribution
// over the servers in the ring. Ejected servers leave the ring and come back when their retry
// time comes; a new server list is applied by swapping the whole topology, while connections to
// servers that stay are kept.
import { DISTRIBUTIONS, type Distribution } from './hashing/distribution.js';
import { HASHES, type HashFunction, hashTagged } from './hashing/hash.js';
import { type PoolOptions, ServerPool } from './pool.js';
import type { ServerSpec } from './servers.js';

export interface TopologyOptions extends PoolOptions {
  hash: string;
  distribution: string;
  hashTag: string;
}

export class Topology {
  readonly pools: ServerPool[];
  readonly #hash: HashFunction;
  #ring: { live: ServerPool[]; place: Distribution } | undefined;
  #ringBuiltFor = '';
  #nextRecheck = 0;

  constructor(
    specs: ServerSpec[],
    private readonly options: TopologyOptions,
    previous?: Topology,
  ) {
    const keep = new Map(
      previous?.pools.map((p) => [`${p.spec.name}|${p.spec.host}|${p.spec.port}|${p.spec.weight}`, p]),
    );
    this.pools = specs.map((spec) => {
      const key = `${spec.name}|${spec.host}|${spec.port}|${spec.weight}`;
      const pool = keep.get(key) ?? new ServerPool(spec, options);
      keep.delete(key);
      return pool;
    });
    for (const gone of keep.values()) gone.retire();
    this.#hash = HASHES[options.hash] as HashFunction;
  }

  /** More than one server: keys are spread, and commands across keys are limited. */
  get sharded(): boolean {
    return this.pools.length > 1;
  }

  /** The server for a key, or undefined when every server is ejected. */
  forKey(key: Buffer): ServerPool | undefined {
    if (this.pools.length === 1) return this.pools[0];
    const ring = this.#currentRing();
    if (ring.live.length === 0) return undefined;
    const hash = this.#hash(this.options.hashTag ? hashTagged(key, this.options.hashTag) : key);
    return ring.live[ring.place(hash)];
  }

  #currentRing(): { live: ServerPool[]; place: Distribution } {
    const now = Date.now();
    if (this.#ring && now < this.#nextRecheck) return this.#ring;
    const live = this.pools.filter((p) => !p.ejected(now));
    const signature = live.map((p) => p.name).join(',');
    if (!this.#ring || signature !== this.#ringBuiltFor) {
      const build = DISTRIBUTIONS[this.options.distribution] as (s: ServerSpec[]) => Distribution;
      this.#ring = { live, place: build(live.map((p) => p.spec)) };
      this.#ringBuiltFor = signature;
    }
    // Ejections change the ring; look again soon, but not on every command.
    this.#nextRecheck = now + 100;
    return this.#ring;
  }

  /** Forces the next lookup to rebuild the ring (after an ejection). */
  invalidate(): void {
    this.#nextRecheck = 0;
  }
}
