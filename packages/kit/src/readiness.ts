// Readiness: "can this container serve right now?" Each service registers the checks that say
// so; a shutting-down process is never ready, whatever its checks say.

/** A check returns true when fine, or a short reason (false or a string) when not. */
export type ReadinessCheck = () => boolean | string | Promise<boolean | string>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

export class Readiness {
  readonly #checks = new Map<string, ReadinessCheck>();

  constructor(private readonly isStopping: () => boolean = () => false) {}

  add(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, string> = {};
    let ready = true;
    if (this.isStopping()) {
      checks.shutdown = 'shutting down';
      ready = false;
    }
    for (const [name, check] of this.#checks) {
      let result: boolean | string;
      try {
        result = await check();
      } catch (error) {
        result = (error as Error).message;
      }
      checks[name] = result === true ? 'ok' : result === false ? 'not ready' : result;
      if (result !== true) ready = false;
    }
    return { ready, checks };
  }
}
