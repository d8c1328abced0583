// Runs the real git CLI: execFile (no shell), a bounded output, the sync's abort signal, and
// an environment that never prompts. Errors carry git's own last words, with any credential
// scrubbed, because they end up in logs and in the error file.
import { execFile } from 'node:child_process';

export interface GitOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`git ${args[0] ?? ''} failed: ${lastLines(stderr) || `exit ${code}`}`);
    this.name = 'GitError';
  }
}

/** git's own errors (every `fatal:` and `error:` line, the cause often first), else its last lines. */
function lastLines(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  const errors = lines.filter((l) => /^(fatal|error):/.test(l));
  return (errors.length > 0 ? errors : lines).slice(-3).join(' / ');
}

/** Removes `user:password@` from any URL in a message. */
export function scrub(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1');
}

export class Git {
  constructor(private readonly baseEnv: () => NodeJS.ProcessEnv) {}

  run(args: string[], options: GitOptions = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        args,
        {
          cwd: options.cwd,
          env: { ...this.baseEnv(), ...options.env },
          signal: options.signal,
          maxBuffer: 16 * 1024 * 1024,
          killSignal: 'SIGKILL',
        },
        (error, stdout, stderr) => {
          if (error) {
            const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
            if (error.name === 'AbortError') reject(options.signal?.reason ?? error);
            else reject(new GitError(args, scrub(String(stderr)), code));
            return;
          }
          resolve(String(stdout).trim());
        },
      );
    });
  }
}
