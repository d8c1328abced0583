// The kubelet's part: one pod's containers, in Kubernetes order.
//   - Init containers run one at a time, in order; each must exit 0. A failed one is restarted
//     after the kubelet's backoff (10 s, doubling, at most 5 min; `backoffScale` shortens it),
//     unless the pod's restartPolicy is Never, and the pod shows Init:Error, then
//     Init:CrashLoopBackOff while it waits.
//   - A native sidecar (an init container with restartPolicy Always) starts in its turn, and the
//     next container waits for its startup probe; it is restarted whenever it exits.
//   - App containers start together once every init container is done; readiness and liveness
//     are polled; a failed liveness (or startup) probe restarts the container; restarts follow
//     the pod's restartPolicy, with the same backoff.
//   - When every app container has finished for good (possible under OnFailure and Never), the
//     pod has completed: its sidecars are stopped, and podrun exits 0, or 1 if one failed.
//   - Terminating: app containers get SIGTERM first; when they have exited, the sidecars get it
//     one at a time in reverse order; whatever still runs at terminationGracePeriodSeconds gets
//     SIGKILL. Asked a second time, everything is killed at once.
import { readFileSync } from 'node:fs';
import { ContainerProcess, type Exit } from './container.js';
import type { EventLog } from './events.js';
import type { Output } from './output.js';
import type { PreparedContainer, PreparedPod } from './prepare.js';
import { type ProbeResult, type ProbeTarget, startProbe } from './probes.js';
import type { Probe } from './types.js';

export interface ContainerStatus {
  name: string;
  kind: PreparedContainer['kind'];
  state: 'Waiting' | 'Running' | 'Terminated';
  /** PodInitializing, CrashLoopBackOff, CreateContainerConfigError, Completed, Error. */
  reason?: string;
  exitCode?: number;
  message?: string;
  started: boolean;
  ready: boolean;
  restarts: number;
}

export interface PodOptions {
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  graceSeconds: number;
  /** Multiplies the kubelet's backoff (10 s doubling to 5 min): 0.01 makes it 100 ms to 3 s. */
  backoffScale: number;
  events: EventLog;
  output: Output;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** The kubelet resets a container's backoff once it has run this long. */
const BACKOFF_RESET_MS = 10 * 60_000;

export class Pod {
  readonly statuses = new Map<string, ContainerStatus>();
  readonly #pod: PreparedPod;
  readonly #options: PodOptions;
  readonly #running = new Map<string, ContainerProcess>();
  #terminating = false;
  #signalTerminating!: () => void;
  readonly #terminatingNow = new Promise<void>((resolve) => {
    this.#signalTerminating = resolve;
  });
  #initDone = 0;
  #failed = false;
  #wasReady = false;

  constructor(pod: PreparedPod, options: PodOptions) {
    this.#pod = pod;
    this.#options = options;
    for (const c of pod.containers)
      this.statuses.set(c.name, {
        name: c.name,
        kind: c.kind,
        state: 'Waiting',
        reason: c.kind === 'app' ? 'PodInitializing' : undefined,
        started: false,
        ready: false,
        restarts: 0,
      });
  }

  /** Runs the pod until it is terminated (or fails for good); resolves with podrun's exit code. */
  async run(): Promise<number> {
    this.#options.events.record('pod-starting', undefined, { address: this.#pod.address });
    this.#show();
    const done: Promise<void>[] = [];
    for (const c of this.#pod.containers.filter((c) => c.kind !== 'app')) {
      if (this.#terminating) break;
      if (c.kind === 'sidecar') {
        const { started, finished } = this.#supervise(c);
        done.push(finished);
        await Promise.race([started, this.#terminatingNow]);
      } else if (!(await this.#runInit(c))) {
        break;
      }
      if (!this.#terminating) this.#initDone += 1;
      this.#show();
    }
    if (!this.#terminating && !this.#failed) {
      const apps = this.#pod.containers.filter((c) => c.kind === 'app').map((c) => this.#supervise(c).finished);
      done.push(...apps);
      // Under OnFailure or Never the app containers can all finish for good: the pod has then
      // completed (Succeeded, or Failed if one did not exit 0), and its sidecars are stopped.
      void Promise.all(apps).then(() => {
        if (this.#terminating) return;
        const apps = [...this.statuses.values()].filter((s) => s.kind === 'app');
        this.#failed = apps.some((s) => s.exitCode !== 0);
        this.terminate(this.#failed ? 'an app container failed for good' : 'every app container completed');
      });
    }
    await this.#terminatingNow;
    await Promise.all(done);
    this.#options.events.record('pod-stopped', undefined, { failed: this.#failed });
    this.#show();
    return this.#failed ? 1 : 0;
  }

  /** The first call stops the pod in order; a second kills what still runs. */
  terminate(reason: string) {
    if (this.#terminating) {
      this.#options.output.note('asked again: killing every container now');
      this.kill('asked twice');
      return;
    }
    this.#terminating = true;
    this.#options.events.record('pod-terminating', undefined, { reason });
    this.#show();
    void this.#stopInOrder();
  }

  /** SIGKILL to every container still running: a second Ctrl-C, or podrun exiting on an error. */
  kill(why: string) {
    for (const [name, proc] of this.#running) {
      this.#options.events.record('signal', name, { signal: 'SIGKILL', why });
      proc.signal('SIGKILL');
    }
  }

  async #stopInOrder() {
    const { graceSeconds, events } = this.#options;
    const deadline = Date.now() + graceSeconds * 1000;
    const stop = async (c: PreparedContainer) => {
      const proc = this.#running.get(c.name);
      if (!proc?.running) return;
      events.record('signal', c.name, { signal: 'SIGTERM' });
      proc.signal('SIGTERM');
      const timer = setTimeout(
        () => {
          events.record('signal', c.name, { signal: 'SIGKILL', why: 'terminationGracePeriodSeconds passed' });
          proc.signal('SIGKILL');
        },
        Math.max(0, deadline - Date.now()),
      );
      await proc.exited;
      clearTimeout(timer);
    };
    const byKind = (kind: PreparedContainer['kind']) => this.#pod.containers.filter((c) => c.kind === kind);
    await Promise.all([...byKind('init'), ...byKind('app')].map(stop));
    for (const sidecar of byKind('sidecar').reverse()) await stop(sidecar);
    this.#signalTerminating();
  }

  #update(name: string, change: Partial<ContainerStatus>) {
    const status = this.statuses.get(name) as ContainerStatus;
    Object.assign(status, change);
    this.#show();
  }

  /** The pod's STATUS, as `kubectl get pod` shows it. */
  phase(): string {
    const all = [...this.statuses.values()];
    if (this.#terminating) return this.#running.size > 0 ? 'Terminating' : this.#failed ? 'Failed' : 'Stopped';
    const inits = all.filter((s) => s.kind !== 'app');
    if (this.#initDone < inits.length) {
      const current = inits[this.#initDone];
      // Error, CrashLoopBackOff and CreateContainerConfigError show as Init:<reason>, as kubectl shows them.
      if (current?.reason === 'CrashLoopBackOff' || current?.reason?.endsWith('Error')) return `Init:${current.reason}`;
      return `Init:${this.#initDone}/${inits.length}`;
    }
    const apps = all.filter((s) => s.kind === 'app');
    const trouble = apps.find((s) => s.state !== 'Running' && s.reason && s.reason !== 'PodInitializing');
    if (trouble?.reason) return trouble.reason;
    const ready = all.filter((s) => s.kind !== 'init' && s.ready).length;
    const total = all.filter((s) => s.kind !== 'init').length;
    return `Running ${ready}/${total} ready`;
  }

  get ready(): boolean {
    const longRunning = [...this.statuses.values()].filter((s) => s.kind !== 'init');
    return !this.#terminating && longRunning.every((s) => s.ready);
  }

  #show() {
    const { output, events } = this.#options;
    const containers = [...this.statuses.values()].map((s) => {
      let state: string = s.state;
      if (s.state === 'Running') state = s.ready ? 'Ready' : s.started ? 'Running' : 'Starting';
      if (s.state === 'Terminated') state = s.exitCode === 0 ? 'Completed' : `Exit ${s.exitCode}`;
      if (s.state === 'Waiting' && s.reason) state = s.reason;
      return `${s.name} ${state}${s.restarts > 0 ? ` (${s.restarts} restarts)` : ''}`;
    });
    output.status(`${this.#pod.name} ${this.phase()} | ${containers.join(' | ')}`);
    if (this.ready && !this.#wasReady) {
      this.#wasReady = true;
      events.record('pod-ready', undefined, {});
      const web = this.#pod.containers.find((c) => c.kind === 'app' && c.ports.has('http'));
      const port = web?.ports.get('http') ?? this.#pod.containers.flatMap((c) => [...c.ports.values()])[0];
      output.note(`pod ready${port ? `: open http://${this.#pod.address}:${port}/` : ''}`);
    } else if (!this.ready && this.#wasReady && !this.#terminating) {
      this.#wasReady = false;
    }
  }

  #backoffMs(restarts: number) {
    return Math.min(300_000, 10_000 * 2 ** (restarts - 1)) * this.#options.backoffScale;
  }

  /** Waits out a backoff; resolves early (with false) when the pod is terminating. */
  async #waitBackoff(c: PreparedContainer, restarts: number): Promise<boolean> {
    const ms = this.#backoffMs(restarts);
    this.#options.events.record('backoff', c.name, { ms, restarts });
    this.#options.output.note(`${c.name}: back-off ${Math.round(ms) / 1000}s restarting failed container`);
    await Promise.race([sleep(ms), this.#terminatingNow]);
    return !this.#terminating;
  }

  #start(c: PreparedContainer): ContainerProcess | undefined {
    if (!c.command) {
      this.#update(c.name, { state: 'Waiting', reason: 'CreateContainerConfigError', message: c.configError });
      this.#options.events.record('error', c.name, { reason: 'CreateContainerConfigError', message: c.configError });
      this.#options.output.note(`${c.name}: CreateContainerConfigError: ${c.configError}`);
      return undefined;
    }
    const proc = new ContainerProcess(c.command, (line) => this.#options.output.log(c.name, line));
    this.#running.set(c.name, proc);
    this.#options.events.record('start', c.name, { argv: c.command.argv, pid: proc.pid });
    this.#update(c.name, { state: 'Running', reason: undefined, exitCode: undefined, started: false, ready: false });
    return proc;
  }

  #exited(c: PreparedContainer, proc: ContainerProcess, exit: Exit) {
    this.#running.delete(c.name);
    let message = exit.error ?? readFileSync(c.terminationLog, 'utf8').trim();
    // As with terminationMessagePolicy FallbackToLogsOnError: a failure without a message gets its last line.
    if (!message && exit.code !== 0) message = proc.lastLines().at(-1) ?? '';
    this.#options.events.record('exit', c.name, { code: exit.code, message, ranMs: Date.now() - proc.startedAt });
    this.#update(c.name, {
      state: 'Terminated',
      exitCode: exit.code,
      reason: exit.code === 0 ? 'Completed' : 'Error',
      message,
      started: false,
      ready: false,
    });
    if (exit.code !== 0 && !this.#terminating)
      this.#options.output.note(`${c.name}: exited ${exit.code}${message ? `: ${message}` : ''}`);
  }

  /** An init container, to completion, retried with backoff. False when the pod stops instead. */
  async #runInit(c: PreparedContainer): Promise<boolean> {
    for (let restarts = 0; ; ) {
      const proc = this.#start(c);
      if (proc) {
        const exit = await proc.exited;
        this.#exited(c, proc, exit);
        if (exit.code === 0) return true;
      }
      if (this.#terminating) return false;
      if (this.#options.restartPolicy === 'Never') {
        this.#failed = true;
        this.terminate(`init container ${c.name} failed and the pod's restartPolicy is Never`);
        return false;
      }
      restarts += 1;
      // A config error stays the reason; an exit shows Init:Error until the backoff replaces it.
      if (proc) this.#update(c.name, { restarts, state: 'Waiting', reason: 'CrashLoopBackOff' });
      if (!(await this.#waitBackoff(c, restarts))) return false;
    }
  }

  /**
   * A sidecar or app container, restarted as its kind and the pod's policy say. `started`
   * resolves once its startup probe passes the first time (at once without one).
   */
  #supervise(c: PreparedContainer): { started: Promise<void>; finished: Promise<void> } {
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const finished = (async () => {
      let restarts = 0;
      while (!this.#terminating) {
        const proc = this.#start(c);
        if (proc) {
          const stopProbes = this.#probe(c, proc, markStarted);
          const exit = await proc.exited;
          stopProbes();
          this.#exited(c, proc, exit);
          if (this.#terminating) break;
          if (Date.now() - proc.startedAt > BACKOFF_RESET_MS) restarts = 0;
          const policy = c.kind === 'sidecar' ? 'Always' : this.#options.restartPolicy;
          if (policy === 'Never' || (policy === 'OnFailure' && exit.code === 0)) break;
        }
        restarts += 1;
        if (proc) this.#update(c.name, { restarts, state: 'Waiting', reason: 'CrashLoopBackOff' });
        if (!(await this.#waitBackoff(c, restarts))) break;
      }
    })();
    return { started, finished };
  }

  /** Starts the container's probes; returns what stops them. */
  #probe(c: PreparedContainer, proc: ContainerProcess, markStarted: () => void): () => void {
    const { events } = this.#options;
    const target: ProbeTarget = {
      address: this.#pod.address,
      ports: c.ports,
      exec: (command, timeoutMs) => this.#exec(c, command, timeoutMs),
    };
    const stops: (() => void)[] = [];
    const restart = (kind: string, result: ProbeResult) => {
      events.record('probe-failed', c.name, { probe: kind, detail: result.detail, action: 'restart' });
      this.#options.output.note(`${c.name}: ${kind} probe failed (${result.detail}); restarting it`);
      void proc.stop(this.#options.graceSeconds * 1000);
    };
    const whenStarted = () => {
      this.#update(c.name, { started: true, ready: !c.spec.readinessProbe });
      events.record('started', c.name, {});
      if (!c.spec.readinessProbe) events.record('ready', c.name, {});
      markStarted();
      const { livenessProbe, readinessProbe } = c.spec;
      if (livenessProbe)
        stops.push(
          startProbe(livenessProbe, target, (ok, r) =>
            ok
              ? events.record('probe-passed', c.name, { probe: 'liveness', detail: r.detail })
              : restart('liveness', r),
          ),
        );
      if (readinessProbe)
        stops.push(
          startProbe(readinessProbe, target, (ok, r) => {
            events.record(ok ? 'ready' : 'not-ready', c.name, { detail: r.detail });
            this.#update(c.name, { ready: ok });
          }),
        );
    };
    const startup: Probe | undefined = c.spec.startupProbe;
    if (startup) {
      const stopStartup = startProbe(startup, target, (ok, r) => {
        stopStartup();
        if (ok) whenStarted();
        else restart('startup', r);
      });
      stops.push(stopStartup);
    } else {
      whenStarted();
    }
    return () => {
      for (const s of stops) s();
    };
  }

  async #exec(c: PreparedContainer, command: string[], timeoutMs: number) {
    if (!c.command) return { code: 127, output: 'the container has no command' };
    const proc = new ContainerProcess({ ...c.command, argv: command.map((a) => c.rewriter.value(a)) }, () => {});
    const timer = setTimeout(() => proc.signal('SIGKILL'), timeoutMs);
    const exit = await proc.exited;
    clearTimeout(timer);
    return { code: exit.code, output: proc.lastLines().join('\n') };
  }
}
