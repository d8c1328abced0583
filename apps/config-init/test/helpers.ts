import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir as makeTempDir, type Running, spawnNode } from '@pod-patterns/testing';

export const entrypoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function tempDir(): string {
  return makeTempDir('config-init-');
}

export interface InitRun extends Running {
  code: number | null;
  output: string;
}

/** Runs the built entrypoint to completion, as the kubelet runs an init container. */
export async function runInit(env: Record<string, string>): Promise<InitRun> {
  const running = spawnNode(entrypoint, [], { env: { CONFIG_BACKOFF_INITIAL: '100ms', ...env } });
  const code = await running.exited;
  return { ...running, code, output: running.stdout() + running.stderr() };
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
