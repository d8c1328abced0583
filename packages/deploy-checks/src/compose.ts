// docker-compose.yml: against the compose-spec JSON schema (vendored in schema/, see its
// README), and as the same pod contract the manifests state.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import type { ContainerView } from './contract.js';
import { allContainers, type PodSpec } from './pod-specs.js';
import { appOfImage, path } from './repo.js';
import { parseMemory } from './resources.js';

export interface ComposeService {
  image?: string;
  environment?: Record<string, string> | string[];
  volumes?: (string | { source?: string; target: string; read_only?: boolean })[];
  tmpfs?: string | string[];
  network_mode?: string;
  [k: string]: unknown;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  [k: string]: unknown;
}

export function parseCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Schema errors, as `path: message`. */
export function composeSchemaProblems(compose: unknown): string[] {
  // The schema's $schema line names draft-07 by a URL Ajv does not know; the schema itself is fine.
  validator ??= new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(
    JSON.parse(readFileSync(path('packages/deploy-checks/schema/compose-spec.json'), 'utf8')),
  );
  if (validator(compose)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`);
}

const envOf = (s: ComposeService): Record<string, string> =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((kv) => [kv.split('=')[0], kv.split('=').slice(1).join('=')]))
    : Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));

/** Our app containers in the compose file, as the contract checks see them. */
export function composeContainers(compose: ComposeFile): ContainerView[] {
  return Object.entries(compose.services).flatMap(([name, service]) => {
    const app = appOfImage(service.image ?? '');
    if (!app || service.entrypoint) return []; // the git server runs the git-sync image as something else
    const volumes = (service.volumes ?? []).map((v) => {
      if (typeof v !== 'string')
        return { path: v.target, volume: v.source ?? v.target, readOnly: v.read_only === true };
      const [source = '', target = '', mode] = v.split(':');
      return { path: target, volume: source, readOnly: mode === 'ro' };
    });
    const tmpfs = [service.tmpfs ?? []].flat().map((t) => ({ path: t, volume: `tmpfs:${t}`, readOnly: false }));
    return [{ name, app, env: envOf(service), mounts: [...volumes, ...tmpfs], ports: [] }];
  });
}

const COMPOSE_UNITS: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };
/** A compose byte value (`256m`), in bytes. */
export function composeBytes(value: string | number): number {
  const match = /^(\d+)([bkmg])?$/i.exec(String(value));
  if (!match) throw new Error(`not a compose byte value: ${value}`);
  return Number(match[1]) * (COMPOSE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1);
}

/**
 * Where our compose services run Node differently from the same containers of the demo pod:
 * the memory limit and NODE_OPTIONS (the heap cap sized from it) must be the manifest's.
 */
export function composeMemoryDrift(compose: ComposeFile, pod: PodSpec): string[] {
  const manifest = new Map(allContainers(pod).map((c) => [c.name, c]));
  return composeContainers(compose).flatMap(({ name, env }) => {
    const container = manifest.get(name);
    if (!container) return [`${name}: no container of that name in the demo pod`];
    const problems: string[] = [];
    const limit = container.resources?.limits?.memory;
    const memLimit = compose.services[name]?.mem_limit as string | undefined;
    if (!limit || memLimit === undefined || composeBytes(memLimit) !== parseMemory(limit))
      problems.push(`${name}: mem_limit ${memLimit ?? '(none)'} is not the manifest's memory limit ${limit}`);
    const nodeOptions = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
    if (env.NODE_OPTIONS !== nodeOptions)
      problems.push(`${name}: NODE_OPTIONS "${env.NODE_OPTIONS ?? ''}" is not the manifest's "${nodeOptions ?? ''}"`);
    return problems;
  });
}
