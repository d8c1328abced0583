// A walkthrough per pattern, on the same picture: which containers to watch, what to do, what
// should happen, and what the pod shows now. Commands are given for the runtime the pod is on
// (POD_RUNTIME): `npm run demo` (podrun; the demo owns the outside systems and takes faults
// typed into its terminal), docker compose, or kubectl. Unknown: all three.
import { type PodStatus, type Runtime, reportsOf } from './pod-status.js';

type Commands = Partial<Record<Exclude<Runtime, 'unknown'>, string>>;

export interface Step {
  say: string;
  commands?: Commands;
}

export interface Walkthrough {
  pattern: string;
  title: string;
  steps: Step[];
  /** The failure to try, and what should happen. */
  failure: { try: string; expect: string; commands: Commands };
  /** What the pod shows now, in words, from the live status. */
  now: (status: PodStatus) => string;
}

const KUBECTL = 'kubectl -n pod-patterns';
/** Stands for the pod's address in a command: /_pod/live.js writes in the host the page was opened at. */
export const POD_ADDRESS = '<pod address>';
/** A commit in the git server's own repository (the demo's git-server serves /srv/git/site). */
const COMMIT =
  'cd /srv/git/site && date > now.txt && git add now.txt && git -c user.name=me -c user.email=me@example.invalid commit -qm now';

export const WALKTHROUGHS: Walkthrough[] = [
  {
    pattern: 'init',
    title: 'Init container: config-init runs to completion before the app starts',
    steps: [
      { say: 'Watch config-init, box 1: it ran first, and web started only once it exited 0.' },
      { say: 'The config web loaded is below, with the tries it took and when web loaded it.' },
    ],
    failure: {
      try: 'Start the pod with the config API down.',
      expect:
        'config-init retries with backoff, the pod stays at Init, and web never starts without a valid config; bring the API back and the pod comes up.',
      commands: {
        podrun: 'stop the demo (Ctrl-C), then: npm run demo -- --host config-api:80=127.0.0.1:1',
        compose: 'docker compose stop config-api && docker compose up -d --force-recreate config-init web',
        kubernetes: `${KUBECTL} scale deploy config-api --replicas=0 && ${KUBECTL} rollout restart deploy demo`,
      },
    },
    now: (s) => {
      const sources = reportsOf(s, 'config-init')[0]?.[1].sources ?? [];
      return sources.length
        ? `config-init fetched ${sources.map((x) => `${x.url} in ${x.attempts} ${x.attempts === 1 ? 'try' : 'tries'}`).join(', ')}; web loaded it at ${s.config.loaded_at}.`
        : 'config-init left no status document here.';
    },
  },
  {
    pattern: 'sidecar',
    title: 'Sidecar: git-sync keeps the site in step with git, beside the app',
    steps: [
      { say: 'Watch git-sync and the content volume it shares with web (web mounts it read-only).' },
      {
        say: 'Make a commit in the site repository git-sync follows.',
        commands: {
          podrun: 'git clone the repository the demo printed, edit index.html, commit, git push',
          compose: `docker compose exec git-server sh -c '${COMMIT}'`,
          kubernetes: `${KUBECTL} exec deploy/git-server -- sh -c '${COMMIT}'`,
        },
      },
      { say: 'The timeline shows the commit fetched, the revision published, then served by web.' },
    ],
    failure: {
      try: 'Push a commit while requests flow.',
      expect:
        'The new revision is served within the sync period, and no request fails: the link is swapped atomically.',
      commands: {
        podrun: 'press the "send traffic" button, then push',
        compose: 'press the "send traffic" button, then push',
        kubernetes: 'press the "send traffic" button, then push',
      },
    },
    now: (s) =>
      s.content.revision
        ? `web serves ${s.content.revision.slice(0, 12)}, first served at ${s.content.changed_at}.`
        : 'No revision published yet: git-sync has not finished its first sync.',
  },
  {
    pattern: 'ambassador',
    title: 'Ambassadors: the app talks to localhost, the ambassadors to the world',
    steps: [
      { say: 'Watch redis-ambassador: web only knows 127.0.0.1:6379; the ambassador shards its keys.' },
      { say: 'Press "send traffic": each page’s key lands on one shard, and that shard’s count moves.' },
      { say: 'Watch http-ambassador: the announcements come through 127.0.0.1:8081, with its tries and circuit.' },
    ],
    failure: {
      try: 'Stop a Redis shard, or make the HTTP upstream fail.',
      expect:
        'Only the stopped shard’s keys fail: the page still renders, and the rest are counted. A failing upstream is retried, then its circuit opens and fails fast.',
      commands: {
        podrun: 'type `redis-1` (stops or starts that shard) or `upstream` (500s on or off) in the demo’s terminal',
        compose: 'docker compose stop redis-1   (or: docker compose stop config-api)',
        kubernetes: `${KUBECTL} scale statefulset redis --replicas=1   (or: ${KUBECTL} scale deploy config-api --replicas=0)`,
      },
    },
    now: (s) => {
      const servers = reportsOf(s, 'redis')[0]?.[1].servers ?? [];
      const failing = servers.filter((x) => x.state !== 'ok');
      const lost = s.visit_keys.filter((k) => k.failed > 0).map((k) => k.key);
      if (failing.length === 0)
        return servers.length
          ? `Every Redis server answers (${servers.map((x) => x.name).join(', ')}).`
          : 'No Redis ambassador reports here.';
      return `${failing.map((x) => `${x.name} is ${x.state}${x.last_failure ? ` (${x.last_failure.reason})` : ''}`).join('; ')}: only its keys fail${lost.length ? ` (${lost.join(', ')})` : ''}, and this page still renders.`;
    },
  },
  {
    pattern: 'adapter',
    title: 'Adapter: metrics-adapter turns web’s JSON into Prometheus metrics',
    steps: [
      { say: 'Watch metrics-adapter: web keeps JSON stats on 127.0.0.1:9000 and knows nothing of Prometheus.' },
      {
        say: 'Scrape the adapter, then see the JSON it read beside the exposition it made.',
        commands: {
          podrun: `curl http://${POD_ADDRESS}:9102/metrics`,
          compose: 'curl http://127.0.0.1:9102/metrics',
          kubernetes: `${KUBECTL} port-forward deploy/demo 9102 & curl http://127.0.0.1:9102/metrics`,
        },
      },
    ],
    failure: {
      try: 'Scrape while web is stopping, or with its stats port gone.',
      expect:
        'The adapter still answers 200, with web_up 0 and the reason in its log: an exporter never fails a scrape.',
      commands: {
        podrun: `curl http://${POD_ADDRESS}:9102/metrics while the demo stops (Ctrl-C)`,
        compose: 'docker compose stop web && curl http://127.0.0.1:9102/metrics',
        kubernetes: `${KUBECTL} port-forward deploy/demo 9102 & curl http://127.0.0.1:9102/metrics`,
      },
    },
    now: (s) => {
      const doc = reportsOf(s, 'adapter')[0]?.[1];
      if (!doc) return 'No adapter reports here.';
      const last = doc.last_scrape;
      return last
        ? `Scraped ${doc.scrapes} time(s); the last at ${last.at} ${last.ok ? 'read web’s stats' : 'could not read web’s stats'}.`
        : 'Not scraped yet.';
    },
  },
];

/** The walkthroughs for the patterns this pod has, with the commands for its runtime. */
export function walkthroughsFor(
  status: PodStatus,
): { walkthrough: Walkthrough; commands: (c: Commands) => [string, string][] }[] {
  const patterns = new Set(status.containers.map((c) => c.pattern));
  const runtime = status.pod.runtime;
  const label = { podrun: 'npm run demo', compose: 'docker compose', kubernetes: 'kubectl' } as const;
  const commands = (c: Commands): [string, string][] =>
    (Object.entries(c) as [keyof typeof label, string][])
      .filter(([r]) => runtime === 'unknown' || r === runtime)
      .map(([r, text]) => [label[r], text]);
  return WALKTHROUGHS.filter((w) => patterns.has(w.pattern)).map((walkthrough) => ({ walkthrough, commands }));
}
