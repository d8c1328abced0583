// How much CPU the hypervisor took from this VM while a measurement ran ("steal" in /proc/stat).
// On a shared VM it swings from 0 to tens of percent; when it is high, every timing in that
// stretch is suspect, whichever server was being measured. Printed so a reader can tell.
import { readFileSync } from 'node:fs';

interface CpuTimes {
  total: number;
  steal: number;
}

function read(): CpuTimes {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 };
}

/** Runs `measure` and returns its result with the share of all CPU time stolen meanwhile, in %. */
export function withSteal<T>(measure: () => T): { result: T; stealPct: number } {
  const before = read();
  const result = measure();
  const after = read();
  const total = after.total - before.total;
  return { result, stealPct: total > 0 ? (100 * (after.steal - before.steal)) / total : 0 };
}
