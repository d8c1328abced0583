// git-sync: push-to-link latency at --period 1s (median over 20 commits), bytes fetched per sync
// at depth 1 and depth 0, and peak RSS over 100 syncs. The anchor (kubernetes/git-sync, Go)
// cannot be built here, so each number is set against its limit: the period, the packed size of
// the commit itself, and the 80 MiB goal of issue #5.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, startGitHttp, tempDir } from '@pod-patterns/testing';
import { shipped } from './lib/shipped.js';
import { fmt, median, printTable } from './lib/stats.js';

const entry = fileURLToPath(new URL('../apps/git-sync/dist/main.js', import.meta.url));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function makeOrigin(parent: string): { dir: string; commit: (files: Record<string, string>) => string } {
  const dir = join(parent, 'site.git');
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet', '-b', 'main');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'user.name', 'bench');
  return {
    dir,
    commit(files) {
      for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
      git(dir, 'add', '-A');
      git(dir, 'commit', '--quiet', '-m', 'bench');
      return git(dir, 'rev-parse', 'HEAD');
    },
  };
}

const published = (link: string) => {
  try {
    return basename(readlinkSync(link));
  } catch {
    return '';
  }
};

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

function randomText(bytes: number): string {
  return execFileSync('head', ['-c', String(bytes), '/dev/urandom']).toString('base64');
}

export async function benchGitSync(): Promise<void> {
  console.log('\n## git-sync\n');
  const parent = tempDir('bench-git-sync-');
  const origin = makeOrigin(parent);
  origin.commit({ 'index.html': 'start', 'big.txt': randomText(200_000) });

  // 1. Push to link at --period 1s.
  const root = join(parent, 'root-latency');
  const sync = spawnNode(entry, [
    '--repo',
    `file://${origin.dir}`,
    '--root',
    root,
    '--link',
    'site',
    '--period',
    '1s',
    '--http-bind',
    'off',
  ]);
  const link = join(root, 'site');
  await until(() => published(link) !== '');
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 1000)); // land at a random point of the period
    const sha = origin.commit({ 'index.html': `commit ${i}` });
    const started = performance.now();
    await until(() => published(link) === sha);
    latencies.push(performance.now() - started);
  }
  sync.kill();
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log('push to new link, --period 1s, 20 commits (file:// remote):');
  printTable(
    ['median ms', 'min ms', 'p90 ms', 'max ms', 'median / period'],
    [
      [
        fmt(median(latencies)),
        fmt(sorted[0] ?? 0),
        fmt(sorted[17] ?? 0),
        fmt(sorted[19] ?? 0),
        fmt(median(latencies) / 1000, 2),
      ],
    ],
  );
  console.log(
    '(a commit lands at a random point of the period, so a poll-based sync waits half a period on average, plus one sync)\n',
  );

  // 2. Bytes fetched per sync, over smart HTTP.
  for (let i = 0; i < 30; i++) origin.commit({ 'big.txt': randomText(200_000), 'index.html': `history ${i}` });
  const http = await startGitHttp(parent);
  const rows: (string | number)[][] = [];
  for (const depth of [1, 0]) {
    const r = join(parent, `root-depth-${depth}`);
    const run = (extra: string[] = []) =>
      spawnNode(entry, [
        '--repo',
        `${http.url}/site.git`,
        '--root',
        r,
        '--link',
        'site',
        '--one-time',
        '--depth',
        String(depth),
        '--http-bind',
        'off',
        ...extra,
      ]).exited;
    let before = http.bytesSent();
    await run();
    const initial = http.bytesSent() - before;
    const old = git(origin.dir, 'rev-parse', 'HEAD');
    const next = origin.commit({ 'index.html': `depth ${depth} change`, 'big.txt': randomText(200_000) });
    const commitBytes = execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], {
      cwd: origin.dir,
      input: `${next}\n^${old}\n`,
    }).length;
    before = http.bytesSent();
    await run();
    const incremental = http.bytesSent() - before;
    rows.push([
      depth === 0 ? '0 (full)' : String(depth),
      initial,
      incremental,
      commitBytes,
      fmt(incremental / commitBytes, 2),
    ]);
  }
  await http.close();
  console.log('bytes fetched over smart HTTP (31 commits of a 270 KB file in history):');
  printTable(['depth', 'first sync bytes', 'next sync bytes', 'the new commit, packed', 'next sync / commit'], rows);

  // 3. Peak RSS over 100 syncs, each publishing a new revision: with Node's default flags, and
  // with the NODE_OPTIONS the demo manifest sets.
  const rssRows: (string | number)[][] = [];
  const asShipped = shipped('git-sync');
  for (const nodeOptions of ['', asShipped.env.NODE_OPTIONS ?? '']) {
    const rssRoot = join(parent, `root-rss-${rssRows.length}`);
    const rss = spawnNode(
      entry,
      [
        '--repo',
        `file://${origin.dir}`,
        '--root',
        rssRoot,
        '--link',
        'site',
        '--period',
        '50ms',
        '--http-bind',
        'off',
        '--stale-worktree-timeout',
        '1s',
      ],
      { env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {} },
    );
    const rssLink = join(rssRoot, 'site');
    await until(() => published(rssLink) !== '');
    const startKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${rss.child.pid}/status`, 'utf8'))?.[1]);
    for (let i = 0; i < 100; i++) {
      const sha = origin.commit({ 'index.html': `rss ${nodeOptions} ${i}` });
      await until(() => published(rssLink) === sha);
    }
    const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${rss.child.pid}/status`, 'utf8'))?.[1]);
    rss.kill();
    rssRows.push([
      nodeOptions || '(none)',
      fmt(startKiB / 1024, 1),
      fmt(peakKiB / 1024, 1),
      fmt(peakKiB / 1024 / asShipped.memoryLimitMiB, 2),
      peakKiB / 1024 < 80 ? 'met' : 'NOT met',
    ]);
  }
  console.log(
    `\npeak RSS of the git-sync process over 100 published revisions (goal < 80 MiB; the pod's limit is ${asShipped.memoryLimitMiB} MiB):`,
  );
  printTable(['NODE_OPTIONS', 'after first sync MiB', 'peak MiB', 'x limit', 'goal'], rssRows);
}
