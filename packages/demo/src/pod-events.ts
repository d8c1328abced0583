// podrun's event log (`--events FILE`), read back: what the soak and the demo's tests wait on.
import { existsSync, readFileSync } from 'node:fs';

export interface PodEvent {
  time: string;
  type: string;
  container?: string;
  [detail: string]: unknown;
}

/** Every event written so far (podrun appends whole lines); none before podrun has made the file. */
export function readEvents(file: string): PodEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PodEvent);
}
