// The faults /_pod's walkthroughs ask for, typed into `npm run demo`'s terminal: the demo owns
// the pod's outside systems, so it can stop a Redis shard or the config API, or make the HTTP
// upstream answer 500s, and start them again. Each command toggles; `help` lists them. The
// page itself can do none of this: it only shows what happens.
import type { Outside } from './outside.js';

export const FAULT_HELP =
  'type a fault and Enter: redis-0 or redis-1 (stop/start a shard), config-api (stop/start the API), upstream (its answers become 500s, or not), help';

export class Faults {
  readonly #stopped = new Set<string>();

  constructor(private readonly outside: Pick<Outside, 'redis' | 'configApi'>) {}

  /** Runs one command; resolves with what it did, in words. */
  async run(line: string): Promise<string> {
    const command = line.trim();
    const shard = /^redis-(\d)$/.exec(command);
    if (shard) {
      const control = this.outside.redis[Number(shard[1])];
      if (!control) return `${command}: there is no such shard here (${this.outside.redis.length} running)`;
      if (this.#stopped.has(command)) {
        await control.start(); // if it cannot, it is still stopped, and the command can be tried again
        this.#stopped.delete(command);
        return `${command} started again on 127.0.0.1:${control.port}`;
      }
      await control.kill();
      this.#stopped.add(command);
      return `${command} stopped (killed, as a crashed node): watch its box on /_pod turn red; type ${command} again to start it`;
    }
    if (command === 'config-api') {
      if (this.#stopped.has(command)) {
        await this.outside.configApi.start();
        this.#stopped.delete(command);
        return 'config-api started again';
      }
      await this.outside.configApi.stop();
      this.#stopped.add(command);
      return 'config-api stopped: the HTTP ambassador retries, then opens its circuit; a restarted pod waits at Init';
    }
    if (command === 'upstream') {
      const api = this.outside.configApi;
      api.fault = api.fault === 'error' ? 'none' : 'error';
      return api.fault === 'error'
        ? 'the config API now answers 500: watch http-ambassador retry, then open its circuit'
        : 'the config API answers normally again';
    }
    if (command === '') return '';
    return command === 'help' ? FAULT_HELP : `${command}: unknown; ${FAULT_HELP}`;
  }
}
