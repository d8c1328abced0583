// A pod's effective request under native sidecars (KEP-753): the scheduler reserves
//   max( max over init containers i of (sidecars declared before i + i),  sum(sidecars) + sum(app) )
// A sidecar keeps its resources once started, so an init container declared after it runs
// beside it; the app containers run beside every sidecar.
import { isSidecar, type PodSpec } from './pod-specs.js';

export interface Quantity {
  /** millicores */
  cpu: number;
  /** bytes */
  memory: number;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9 };

export function parseCpu(value: string): number {
  return value.endsWith('m') ? Number(value.slice(0, -1)) : Number(value) * 1000;
}

export function parseMemory(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]i|[kMG])?$/.exec(value);
  if (!match) throw new Error(`not a memory quantity: ${value}`);
  const unit = match[2];
  return Number(match[1]) * (unit ? (BINARY[unit] ?? DECIMAL[unit] ?? 1) : 1);
}

const requestOf = (c: { resources?: { requests?: Record<string, string> } }): Quantity => ({
  cpu: parseCpu(c.resources?.requests?.cpu ?? '0'),
  memory: parseMemory(c.resources?.requests?.memory ?? '0'),
});
const add = (a: Quantity, b: Quantity): Quantity => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory });
const max = (a: Quantity, b: Quantity): Quantity => ({
  cpu: Math.max(a.cpu, b.cpu),
  memory: Math.max(a.memory, b.memory),
});
const ZERO: Quantity = { cpu: 0, memory: 0 };

export function effectiveRequest(spec: PodSpec): Quantity {
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const init of spec.initContainers ?? []) {
    if (isSidecar(init)) sidecars = add(sidecars, requestOf(init));
    else initPeak = max(initPeak, add(sidecars, requestOf(init)));
  }
  const running = spec.containers.map(requestOf).reduce(add, sidecars);
  return max(initPeak, running);
}

export const formatQuantity = (q: Quantity) => `cpu ${q.cpu}m, memory ${q.memory / 2 ** 20}Mi`;
