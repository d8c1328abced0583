import { fileURLToPath } from 'node:url';
import { type Running, spawnNode } from '@pod-patterns/testing';

const fixture = fileURLToPath(new URL('./fixtures/service.ts', import.meta.url));

/** The fixture service as a real process, with exactly the env given. */
export function startFixture(env: Record<string, string>, args: string[] = []): Running {
  return spawnNode(fixture, args, { env, nodeArgs: ['--import', 'tsx'] });
}
