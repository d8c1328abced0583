// The exit code is config-init's contract with Kubernetes and with whoever reads
// `kubectl describe pod`: 0 means every file is in place and valid; anything else holds the pod.
// The numbers follow BSD sysexits, as 78 (bad configuration) does in every service here.
export const EXIT = {
  ok: 0,
  /** The content arrived but is not valid: parse error, schema, required keys, too large. */
  invalidContent: 65,
  /** No source answered in time: network errors, timeouts, 408/429/5xx until the deadline. */
  unreachable: 69,
  /** The output could not be written. */
  cannotWrite: 73,
  /** The server refused the request (400, 401, 403, 404, other 4xx, redirects); retrying would not help. */
  rejected: 77,
  /** config-init itself is misconfigured. */
  badConfig: 78,
  /** Stopped by a signal before it finished. */
  interrupted: 143,
} as const;

export type FailureKind = Exclude<keyof typeof EXIT, 'ok'>;

/** A failure that ends the run, with the exit code it maps to and a message fit for one line. */
export class InitError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'InitError';
  }

  get exitCode(): number {
    return EXIT[this.kind];
  }
}
