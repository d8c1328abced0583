// A secret from a mounted file (a Kubernetes Secret, a `NAME_FILE`). Editors and `echo` end the
// file with a newline that is not part of the secret, so one trailing newline is dropped; any
// other whitespace is kept, since it may be part of a password.
import { readFileSync } from 'node:fs';

export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}
