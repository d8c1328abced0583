import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode, tempDir } from '@pod-patterns/testing';

export const entrypoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export type Tree = Record<string, string | { symlink: string }>;

/** A content root laid out exactly as git-sync lays it out: `.worktrees/<sha>/` and a relative link. */
export class FakeSyncRoot {
  readonly root = tempDir('web-content-');
  readonly link = join(this.root, 'site');

  /** Writes a new worktree, then swaps the link to it atomically (temp link + rename). */
  publish(tree: Tree, sha = randomBytes(20).toString('hex')): string {
    const worktree = join(this.root, '.worktrees', sha);
    for (const [path, content] of Object.entries(tree)) {
      const file = join(worktree, path);
      mkdirSync(dirname(file), { recursive: true });
      if (typeof content === 'string') writeFileSync(file, content);
      else symlinkSync(content.symlink, file);
    }
    mkdirSync(worktree, { recursive: true });
    const temp = join(this.root, `.tmp-link-${sha}`);
    symlinkSync(join('.worktrees', sha), temp);
    renameSync(temp, this.link);
    return sha;
  }
}

export function writeConfig(values: unknown, dir = tempDir('web-config-')): string {
  const file = join(dir, 'app.json');
  writeFileSync(file, typeof values === 'string' ? values : JSON.stringify(values));
  return file;
}

export const validConfig = {
  site: { title: 'Test site', greeting: 'Hello from the tests' },
  features: { visitCounter: true, podDashboard: true },
  version: 'test-1',
  apiToken: 'tok-should-be-hidden',
};

export interface Web extends Running {
  port: number;
  statsPort: number;
  base: string;
}

/** Starts the built entrypoint on free ports, with nothing from the environment but what is given. */
export async function startWeb(env: Record<string, string>): Promise<Web> {
  const running = spawnNode(entrypoint, [], {
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      STATS_LISTEN: '127.0.0.1:0',
      SHUTDOWN_DELAY: '0s',
      REDIS_URL: 'redis://127.0.0.1:1', // nothing listens there unless a test says so
      ANNOUNCEMENTS_URL: 'http://127.0.0.1:1/announcements.json', // nor there
      POD_CONTAINERS: 'web:main',
      CONFIG_FILE: writeConfig(validConfig),
      ...env,
    },
  });
  const line = await running.waitForLog('listening');
  const port = line.port as number;
  return { ...running, port, statsPort: line.statsPort as number, base: `http://127.0.0.1:${port}` };
}
