// The soak's table: every request by outcome and by the fault in force when it was sent, then
// the checks a reader can hold against the design, then the closing line.
import { type Fault, faultAt } from './schedule.js';
import type { Outcome } from './traffic.js';

export interface Findings {
  outcomes: Outcome[];
  faults: Fault[];
  /** Seconds into the run at which SIGTERM was sent. */
  sigtermAt: number;
  commitsPushed: number;
  commitsServed: number;
  mismatches: string[];
  /** Views web could not count, by the fault in force when its error count moved. */
  lostVisits: Map<string, number>;
  visits: { sent: number; counted: number; failed: number };
  announcements: { degraded: boolean; backAtEnd: boolean };
  leftovers: string[];
  faultLog: string[];
}

const windowOf = (f: Findings, t: number) => (t >= f.sigtermAt ? 'SIGTERM (drain)' : faultAt(f.faults, t));

export function report(f: Findings): { text: string; failedPages: number; problems: string[] } {
  const rows = new Map<string, Record<string, number>>();
  for (const o of f.outcomes) {
    const w = windowOf(f, o.t);
    const row = rows.get(w) ?? { pages: 0, pagesFailed: 0, status: 0, statusFailed: 0, scrapes: 0, scrapesFailed: 0 };
    const key = o.kind === 'page' ? 'pages' : o.kind === 'status' ? 'status' : 'scrapes';
    row[key] = (row[key] as number) + 1;
    if (!o.ok) row[`${key}Failed`] = (row[`${key}Failed`] as number) + 1;
    rows.set(w, row);
  }
  const lines = [
    'fault in force | pages (failed) | /_pod/status (failed) | scrapes (failed) | visits lost',
    '--- | --- | --- | --- | ---',
  ];
  for (const [w, r] of rows)
    lines.push(
      `${w} | ${r.pages} (${r.pagesFailed}) | ${r.status} (${r.statusFailed}) | ${r.scrapes} (${r.scrapesFailed}) | ${f.lostVisits.get(w) ?? 0}`,
    );

  const failedPages = f.outcomes.filter((o) => o.kind === 'page' && !o.ok);
  const problems: string[] = [];
  for (const o of failedPages.slice(0, 10))
    problems.push(`page ${o.target} at ${o.t.toFixed(1)} s failed: ${o.detail}`);
  problems.push(...f.mismatches.slice(0, 10));
  const lostOutside = [...f.lostVisits].filter(([w, n]) => n > 0 && !/redis|SIGTERM/.test(w));
  for (const [w, n] of lostOutside) problems.push(`${n} visits lost while no shard was down (${w})`);
  if (f.visits.sent > f.visits.counted + f.visits.failed)
    problems.push(
      `${f.visits.sent} views sent, but web counted ${f.visits.counted} and reported ${f.visits.failed} lost`,
    );
  if (f.commitsServed < f.commitsPushed) problems.push(`${f.commitsPushed} commits pushed, ${f.commitsServed} served`);
  if (!f.announcements.backAtEnd) problems.push('announcements did not come back after the upstream faults');
  problems.push(...f.leftovers.map((l) => `left behind: ${l}`));

  const requests = f.outcomes.length;
  const faultCount = f.faults.length + f.commitsPushed + 1;
  const text = [
    '',
    'faults, as injected:',
    ...f.faultLog.map((l) => `  ${l}`),
    '',
    ...lines,
    '',
    `commits: ${f.commitsPushed} pushed, ${f.commitsServed} served; pages whose body was not their revision's: ${f.mismatches.length}`,
    `visits: ${f.visits.sent} page views, ${f.visits.counted} counted, ${f.visits.failed} reported lost by web (only while a shard was down: ${lostOutside.length === 0 ? 'yes' : 'no'})`,
    `announcements: degraded during the upstream faults: ${f.announcements.degraded ? 'yes' : 'no'}; back at the end: ${f.announcements.backAtEnd ? 'yes' : 'no'}`,
    `left behind: ${f.leftovers.length === 0 ? 'nothing' : f.leftovers.join(', ')}`,
    ...(problems.length > 0 ? ['', 'problems:', ...problems.map((p) => `  ${p}`)] : []),
    '',
    `${requests} requests, ${failedPages.length} failed page requests, ${faultCount} faults`,
  ].join('\n');
  return { text, failedPages: failedPages.length, problems };
}
