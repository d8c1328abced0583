// How much CPU the hypervisor took from this VM while a measurement ran ("steal" in /proc/stat).
// On a shared VM it swings from 0 to tens of percent; when it is high, every timing in that
// stretch is suspect, whichever server was being measured. Printed so a reader can tell, and
// rounds with more than a little of it are left out of the verdicts.
import { readFileSync } from 'node:fs';
import { fmt, median } from './stats.js';

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

/** A round is calm when the hypervisor took at most this share of the CPU in every run of it. */
const CALM_STEAL_PCT = 5;
/** With fewer calm rounds than this, a benchmark gives no verdict. */
const MIN_CALM_ROUNDS = 3;

export interface CalmRounds {
  /** The median of one figure per round (a ratio to the anchor, say), over the calm rounds only. */
  median(perRound: number[]): number;
  /** The figures of the calm rounds only. */
  values(perRound: number[]): number[];
  /** "met", "NOT met", or "no verdict" when too few rounds were calm. */
  verdict(met: boolean): string;
  /** How many rounds were calm, and the worst steal of each. */
  summary: string;
}

/** Goals are judged on calm rounds only; tables keep every round. */
export function calmRounds(worstStealPerRound: number[]): CalmRounds {
  const calm = worstStealPerRound.flatMap((pct, i) => (pct <= CALM_STEAL_PCT ? [i] : []));
  const enough = calm.length >= MIN_CALM_ROUNDS;
  return {
    median: (perRound) => median(calm.map((i) => perRound[i] ?? Number.NaN)),
    values: (perRound) => calm.map((i) => perRound[i] ?? Number.NaN),
    verdict: (met) => (enough ? (met ? 'met' : 'NOT met') : 'no verdict'),
    summary: `${calm.length} of ${worstStealPerRound.length} rounds calm (steal <= ${CALM_STEAL_PCT}% in every run; worst per round ${worstStealPerRound.map((p) => fmt(p)).join(' / ')}%)${enough ? '' : `: fewer than ${MIN_CALM_ROUNDS}, no verdict, run again`}`,
  };
}
