export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Each round's figure over its anchor's from the same round; the benchmarks report the median of
 * these. Rounds are interleaved, so within a round both ran on the same machine state; a ratio of
 * two medians would pair one round's server with another round's anchor, and on a VM whose speed
 * drifts that adds the drift to the ratio.
 */
export function roundRatios(values: number[], anchor: number[]): number[] {
  return values.map((v, i) => v / (anchor[i] ?? Number.NaN));
}

/** Prints rows as an aligned plain-text table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const [n, row] of cells.entries()) {
    console.log(row.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

export const fmt = (n: number, digits = 0, unit = '') => (Number.isFinite(n) ? `${n.toFixed(digits)}${unit}` : 'n/a');
