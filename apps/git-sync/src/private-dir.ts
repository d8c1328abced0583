// A folder only this process uses, for the files git reads: the askpass helper, the ssh config,
// the git config, a passwd copy. It is under $TMPDIR (the pod's writable /tmp volume, since the
// root filesystem is read-only), mode 0700, and removed however git-sync exits, short of SIGKILL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makePrivateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'git-sync-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
