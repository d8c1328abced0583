// The fault schedule of npm run soak: what breaks, when, and for how long, scaled to the run's
// length. Each fault has a window (from `at` for `seconds`); a request is counted under the fault
// in force when it was sent, and under "<fault>, recovering" for RECOVERY_SECONDS after.
export type FaultKind =
  | { type: 'kill-shard'; shard: number }
  | { type: 'pause-shard'; shard: number }
  | { type: 'config-api-down' }
  | { type: 'upstream'; mode: 'error' | 'hang' }
  | { type: 'kill-container'; container: string };

export interface Fault {
  name: string;
  at: number;
  seconds: number;
  kind: FaultKind;
}

export const RECOVERY_SECONDS = 5;
/** The demo pod's native sidecars, each killed once (podrun restarts them, as the kubelet would). */
export const SIDECARS = ['redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter'];

/** Room each fault needs: its own few seconds, the recovery after it, and a gap. */
const SLOT_SECONDS = 12;

/**
 * The faults of a run of `total` seconds, in order, none overlapping: as many as fit, the most
 * telling first, so a short run (60 s) still kills a shard, fails the upstream and a sidecar. A
 * shard is paused for 3 s: past the ambassador's SERVER_TIMEOUT (1 s), so its connection is failed
 * while the server lives.
 */
export function schedule(total: number): Fault[] {
  const kill = (container: string): Omit<Fault, 'at'> => ({
    name: `${container} killed`,
    seconds: 2,
    kind: { type: 'kill-container', container },
  });
  const faults: Omit<Fault, 'at'>[] = [
    { name: 'redis-0 killed', seconds: 5, kind: { type: 'kill-shard', shard: 0 } },
    { name: 'upstream answers 500', seconds: 5, kind: { type: 'upstream', mode: 'error' } },
    kill('git-sync'),
    { name: 'redis-1 paused (SIGSTOP)', seconds: 3, kind: { type: 'pause-shard', shard: 1 } },
    { name: 'config API stopped', seconds: 5, kind: { type: 'config-api-down' } },
    { name: 'redis-1 killed', seconds: 5, kind: { type: 'kill-shard', shard: 1 } },
    { name: 'upstream hangs', seconds: 5, kind: { type: 'upstream', mode: 'hang' } },
    { name: 'redis-0 paused (SIGSTOP)', seconds: 3, kind: { type: 'pause-shard', shard: 0 } },
    ...SIDECARS.filter((c) => c !== 'git-sync').map(kill),
  ];
  // After a warm-up tenth, with the last tenth quiet before SIGTERM.
  const room = total * 0.8;
  const fitting = faults.slice(0, Math.max(1, Math.floor(room / SLOT_SECONDS)));
  const spacing = room / fitting.length;
  return fitting.map((fault, i) => ({ ...fault, at: Math.round(total * 0.1 + i * spacing) }));
}

/** The name of the fault in force at `t` seconds into the run, or "none". */
export function faultAt(faults: Fault[], t: number): string {
  for (const f of faults) {
    if (t >= f.at && t < f.at + f.seconds) return f.name;
    if (t >= f.at + f.seconds && t < f.at + f.seconds + RECOVERY_SECONDS) return `${f.name}, recovering`;
  }
  return 'none';
}
