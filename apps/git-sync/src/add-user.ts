// v4's --add-user. ssh will not run for a uid with no passwd entry ("No user exists for uid"),
// and a pod's runAsUser is often such a uid. v4 appends an entry to /etc/passwd, which needs a
// writable root filesystem. Where /etc/passwd cannot be written (a read-only root, as in these
// manifests), the entry goes into a private copy instead, which git, ssh and the exechook read
// through nss_wrapper (LD_PRELOAD; the image installs libnss-wrapper).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

const NSS_WRAPPER = ['/usr/lib/x86_64-linux-gnu/libnss_wrapper.so', '/usr/lib/aarch64-linux-gnu/libnss_wrapper.so'];

export interface AddedUser {
  /** Where the entry is: it was there already, appended to /etc/passwd, or in the private copy. */
  how: 'present' | 'etc-passwd' | 'nss-wrapper';
  /** What git, ssh and the exechook need in their environment to see it. */
  env: NodeJS.ProcessEnv;
}

/** Makes this process's uid resolvable; returns the environment its children need for it. */
export function addUser(home: string, dir: string): AddedUser {
  try {
    userInfo(); // getpwuid(3), as ssh calls it
    return { how: 'present', env: {} };
  } catch {}
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const entry = `git-sync:x:${uid}:${gid}::${home}:/sbin/nologin\n`;
  try {
    appendFileSync('/etc/passwd', entry);
    return { how: 'etc-passwd', env: {} };
  } catch {}
  const library = NSS_WRAPPER.find((path) => existsSync(path));
  if (!library) {
    throw new Error(
      `uid ${uid} has no passwd entry, /etc/passwd is read-only, and libnss_wrapper.so is not installed to add one elsewhere`,
    );
  }
  const passwd = join(dir, 'passwd');
  const group = join(dir, 'group');
  writeFileSync(passwd, readFileSync('/etc/passwd', 'utf8') + entry);
  const groups = readFileSync('/etc/group', 'utf8');
  const hasGroup = groups.split('\n').some((line) => line.split(':')[2] === String(gid));
  writeFileSync(group, groups + (hasGroup ? '' : `git-sync:x:${gid}:\n`));
  const preload = [process.env.LD_PRELOAD, library].filter(Boolean).join(' ');
  return {
    how: 'nss-wrapper',
    env: { LD_PRELOAD: preload, NSS_WRAPPER_PASSWD: passwd, NSS_WRAPPER_GROUP: group },
  };
}
