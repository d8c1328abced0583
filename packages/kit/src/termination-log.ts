// Kubernetes shows the content of /dev/termination-log in `kubectl describe pod` as the
// container's last state message, so the reason a container exited is one command away.
import { writeFileSync } from 'node:fs';

export const TERMINATION_LOG = '/dev/termination-log';

/** Writes a one-line reason where the path is writable; elsewhere (a laptop) it does nothing. */
export function writeTerminationLog(reason: string, path = process.env.TERMINATION_LOG_PATH ?? TERMINATION_LOG): void {
  try {
    writeFileSync(path, `${reason.replace(/\s*\n\s*/g, '; ').slice(0, 4000)}\n`, { flag: 'w' });
  } catch {
    // Not in a Kubernetes container, or the path is read-only: logs still carry the reason.
  }
}
