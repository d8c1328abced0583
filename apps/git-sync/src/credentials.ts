// How git gets credentials without them ever touching a command line, the remote URL in
// .git/config, or a log: for HTTP(S), GIT_ASKPASS points at a tiny Node script that answers
// git's prompts from variables set only for that git process; the password file is read again
// for every sync, so a rotated token works. For SSH, an ssh config file names the key and the
// known-hosts file, and GIT_SSH_COMMAND only names that file.
//
// The credentials belong to GITSYNC_REPO's scheme, host and port, as v4 ties them to the
// repository's URL: git asks for every host it talks to, a submodule's included, and names the
// host in its prompt ("Password for 'https://user@host': "). Any other host gets no answer, so
// a .gitmodules pointing elsewhere cannot collect them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSecretFile } from '@pod-patterns/kit';
import type { Config } from './config.js';

const ASKPASS = `#!${process.execPath}
const prompt = process.argv[2] || '';
let origin;
try {
  const url = new URL(/'([^']*)'/.exec(prompt)[1]);
  origin = url.protocol + '//' + url.host;
} catch {}
// Another host: no answer (git then says it "could not read Username for '<that host>'").
if (origin !== process.env.GITSYNC_ASKPASS_ORIGIN) process.exit(1);
process.stdout.write((prompt.toLowerCase().startsWith('username') ? process.env.GITSYNC_ASKPASS_USERNAME : process.env.GITSYNC_ASKPASS_PASSWORD) || '');
`;

/** `scheme://host[:port]` of an HTTP(S) URL as git names it in a prompt (default port left out). */
export function credentialOrigin(repo: string): string | undefined {
  try {
    const url = new URL(repo);
    return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.protocol}//${url.host}` : undefined;
  } catch {
    return undefined;
  }
}

export class Credentials {
  readonly #askpass: string | undefined;
  readonly #sshConfig: string | undefined;

  constructor(
    private readonly config: Config,
    /** GITSYNC_PASSWORD_FILE, read again for every sync. */
    private readonly passwordFile: string | undefined,
    /** The private folder (private-dir.ts) the helper files go into. */
    dir: string,
  ) {
    if (config.GITSYNC_USERNAME) {
      this.#askpass = join(dir, 'askpass');
      writeFileSync(this.#askpass, ASKPASS, { mode: 0o700 });
    }
    if (config.GITSYNC_SSH_KEY_FILE) {
      this.#sshConfig = join(dir, 'ssh_config');
      const knownHosts = config.GITSYNC_SSH_KNOWN_HOSTS
        ? [`UserKnownHostsFile "${config.GITSYNC_SSH_KNOWN_HOSTS_FILE}"`, 'StrictHostKeyChecking yes']
        : ['UserKnownHostsFile /dev/null', 'StrictHostKeyChecking no'];
      writeFileSync(
        this.#sshConfig,
        [
          'Host *',
          `  IdentityFile "${config.GITSYNC_SSH_KEY_FILE}"`,
          '  IdentitiesOnly yes',
          '  BatchMode yes',
          ...knownHosts.map((l) => `  ${l}`),
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
    }
  }

  /** Environment for git commands that talk to the remote; reads the password file now. */
  remoteEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    if (this.#askpass) {
      env.GIT_ASKPASS = this.#askpass;
      env.GITSYNC_ASKPASS_ORIGIN = credentialOrigin(this.config.GITSYNC_REPO) ?? 'no host (GITSYNC_REPO is not HTTP)';
      env.GITSYNC_ASKPASS_USERNAME = this.config.GITSYNC_USERNAME;
      env.GITSYNC_ASKPASS_PASSWORD = this.#password();
    }
    if (this.#sshConfig) env.GIT_SSH_COMMAND = `ssh -F ${this.#sshConfig}`;
    return env;
  }

  #password(): string {
    if (this.passwordFile) return readSecretFile(this.passwordFile);
    return this.config.GITSYNC_PASSWORD ?? '';
  }
}
