// Which server a key hash lands on: twemproxy's ketama (a consistent-hash ring of 160 points per
// server at equal weight, named "<server name>-<n>") or modula (hash modulo the total weight).
import { createHash } from 'node:crypto';

export interface Weighted {
  name: string;
  weight: number;
}

export type Distribution = (hash: number) => number;

const POINTS_PER_SERVER = 160;
const POINTS_PER_HASH = 4;

/** Builds the ketama ring over `servers` (the live ones) and returns hash -> index into servers. */
export function ketama(servers: Weighted[]): Distribution {
  const total = servers.reduce((sum, s) => sum + s.weight, 0);
  const values: number[] = [];
  const owners: number[] = [];
  servers.forEach((server, index) => {
    // float arithmetic as in nc_ketama.c, so a fractional share rounds the same way
    const pct = Math.fround(Math.fround(server.weight) / Math.fround(total));
    const scaled = Math.fround(Math.fround(Math.fround(pct * POINTS_PER_SERVER) / 4) * Math.fround(servers.length));
    const points = Math.floor(Math.fround(scaled + 0.0000000001)) * 4;
    for (let pointer = 1; pointer <= points / POINTS_PER_HASH; pointer++) {
      const digest = createHash('md5')
        .update(`${server.name}-${pointer - 1}`)
        .digest();
      for (let x = 0; x < POINTS_PER_HASH; x++) {
        values.push(digest.readUInt32LE(x * 4));
        owners.push(index);
      }
    }
  });
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ring = Uint32Array.from(order.map((i) => values[i] as number));
  const ringOwners = Uint16Array.from(order.map((i) => owners[i] as number));
  return (hash) => {
    let left = 0;
    let right = ring.length;
    while (left < right) {
      const middle = (left + right) >>> 1;
      if ((ring[middle] as number) < hash) left = middle + 1;
      else right = middle;
    }
    return ringOwners[right === ring.length ? 0 : right] as number;
  };
}

/** hash modulo the total weight, over the servers each repeated `weight` times. */
export function modula(servers: Weighted[]): Distribution {
  const slots = servers.flatMap((s, index) => Array<number>(s.weight).fill(index));
  return (hash) => slots[hash % slots.length] as number;
}

export const DISTRIBUTIONS: Record<string, (servers: Weighted[]) => Distribution> = { ketama, modula };
