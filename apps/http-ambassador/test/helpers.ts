import { fileURLToPath } from 'node:url';
import { type Running, spawnNode } from '@pod-patterns/testing';

export const entrypoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface Ambassador extends Running {
  url: string;
  ops: string;
}

/** The built entrypoint as a real process, on free ports, with fast defaults a test can override. */
export async function startAmbassador(env: Record<string, string>, nodeArgs: string[] = []): Promise<Ambassador> {
  const running = spawnNode(entrypoint, [], {
    env: { AMBASSADOR_LISTEN: '127.0.0.1:0', OPS_LISTEN: '127.0.0.1:0', RETRY_BACKOFF: '10ms', ...env },
    nodeArgs,
  });
  const line = await running.waitForLog('listening');
  return { ...running, url: `http://127.0.0.1:${line.port}`, ops: `http://127.0.0.1:${line.opsPort}` };
}

/** A metric's value from a /metrics text (undefined when the series is absent). */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
