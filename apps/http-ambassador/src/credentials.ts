// Credentials from mounted files. Kubernetes rotates a Secret by swapping the files behind a
// symlink, so the file is checked again (a stat, at most once a second) and re-read when it
// changed: a rotated token is used without a restart. A file that cannot be read at start is a
// config error; one that goes missing later keeps the last good value, with a warning.
import { statSync } from 'node:fs';
import { type Logger, readSecretFile } from '@pod-patterns/kit';

export class FileValue {
  #value: string;
  #stamp: string;
  #checkedAt = 0;

  constructor(
    readonly path: string,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#stamp = this.#statStamp();
    this.#value = this.#read();
  }

  get value(): string {
    const now = this.now();
    if (now - this.#checkedAt < 1000) return this.#value;
    this.#checkedAt = now;
    try {
      const stamp = this.#statStamp();
      if (stamp !== this.#stamp) {
        this.#value = this.#read();
        this.#stamp = stamp;
        this.logger?.info({ file: this.path }, 'credential file changed: using the new value');
      }
    } catch (error) {
      this.logger?.warn(
        { file: this.path, error: (error as Error).message },
        'credential file unreadable: keeping the last value',
      );
    }
    return this.#value;
  }

  #statStamp(): string {
    const s = statSync(this.path);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  }

  #read(): string {
    const text = readSecretFile(this.path);
    if (text === '') throw new Error(`${this.path} is empty`);
    return text;
  }
}

/** The Authorization header to send upstream, from whichever credential file is configured. */
export function authorizationFrom(bearer?: FileValue, basic?: FileValue): (() => string) | undefined {
  if (bearer) return () => `Bearer ${bearer.value}`;
  if (basic) return () => `Basic ${Buffer.from(basic.value).toString('base64')}`;
  return undefined;
}
