// `--events FILE`: one JSON line per thing that happened to the pod (a start, a probe result that
// turned, an exit, a restart, a signal sent), for tests and for people reading what went on.
import { appendFileSync, writeFileSync } from 'node:fs';

export type EventType =
  | 'pod-starting'
  | 'start'
  | 'started'
  | 'ready'
  | 'not-ready'
  | 'probe-passed'
  | 'probe-failed'
  | 'exit'
  | 'backoff'
  | 'signal'
  | 'pod-ready'
  | 'pod-terminating'
  | 'pod-stopped'
  | 'error';

export interface PodEvent {
  time: string;
  type: EventType;
  container?: string;
  [detail: string]: unknown;
}

export class EventLog {
  constructor(readonly file?: string) {
    if (file) writeFileSync(file, '');
  }

  record(type: EventType, container: string | undefined, detail: Record<string, unknown> = {}): PodEvent {
    const event: PodEvent = { time: new Date().toISOString(), type, ...(container ? { container } : {}), ...detail };
    // Appended synchronously, so the file is complete at every moment, even after a crash.
    if (this.file) appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    return event;
  }
}
