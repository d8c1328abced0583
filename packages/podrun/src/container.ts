// One run of one container: a local process in its own process group (so the terminal's Ctrl-C
// reaches podrun alone, and podrun decides who is signalled when). SIGTERM goes to the main
// process, as it goes to a container's PID 1; SIGKILL goes to the whole group, the git
// processes git-sync started included. The exit code is the container's: 128 + the signal
// number when a signal ended it (137 for SIGKILL), 127 when the command cannot start. When the
// main process exits, whatever it left in its group is killed, as a container's would be.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';

export interface LocalCommand {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface Exit {
  code: number;
  /** Why it could not start, when it could not. */
  error?: string;
}

export class ContainerProcess {
  readonly exited: Promise<Exit>;
  readonly startedAt = Date.now();
  readonly #lines: string[] = [];
  readonly #pid: number | undefined;
  #running = true;

  /** The process id, in the event log: what a fault test (npm run soak) kills, as a node would. */
  get pid(): number | undefined {
    return this.#pid;
  }

  constructor(command: LocalCommand, onLine: (line: string) => void) {
    const [file, ...args] = command.argv;
    const child = spawn(file === 'node' ? process.execPath : (file as string), args, {
      cwd: command.cwd,
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#pid = child.pid;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.#lines.push(line);
        if (this.#lines.length > 20) this.#lines.shift();
        onLine(line);
      });
    }
    this.exited = new Promise<Exit>((resolve) => {
      child.once('error', (error) => {
        this.#running = false;
        resolve({ code: 127, error: `cannot start ${file}: ${error.message}` });
      });
      child.once('close', (code, signal) => {
        this.#running = false;
        // When a container's PID 1 exits, the kernel ends everything else in it: the same here.
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {} // the group is already empty
        resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0) });
      });
    });
  }

  get running() {
    return this.#running;
  }

  /** The last lines it wrote: the message of a crash when it left no termination message. */
  lastLines(): string[] {
    return [...this.#lines];
  }

  signal(signal: 'SIGTERM' | 'SIGKILL') {
    if (!this.#running || this.#pid === undefined) return;
    try {
      // The group for SIGKILL, so no child it started outlives it.
      process.kill(signal === 'SIGKILL' ? -this.#pid : this.#pid, signal);
    } catch {} // already gone
  }

  /** SIGTERM, then SIGKILL after `graceMs` if it is still running; resolves at its exit. */
  async stop(graceMs: number): Promise<Exit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}
