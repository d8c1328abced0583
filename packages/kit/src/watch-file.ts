// Watching a file mounted from a ConfigMap or Secret, or published by config-init (web's app
// config, the Redis ambassador's server list). The kubelet updates such a file by swapping the
// `..data` symlink, so the path itself never changes: fs.watch on it misses the swap. Polling
// stat, which follows the links, sees the new file's inode.
import { type StatsListener, unwatchFile, watchFile } from 'node:fs';

/** Calls `onChange` when the file at `path` changes or is swapped; returns what stops watching. */
export function watchMountedFile(path: string, onChange: () => void, intervalMs = 1000): () => void {
  const listener: StatsListener = (now, before) => {
    // Reading the file moves its atime and fires the listener too: that is no change.
    if (now.mtimeMs === before.mtimeMs && now.ino === before.ino) return;
    onChange();
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
