// What runs for each image. An image of this repository (ghcr.io/<owner>/pod-patterns-<app>) is
// its app's local build, started the way its Dockerfile's last stage starts it: ENTRYPOINT,
// CMD, ENV and WORKDIR, with node as the Node running podrun. Any other image needs a mapping
// on the command line (`--image redis:7.4.2=redis-server`); podrun never guesses.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Env } from 'dockerfile-ast';

export interface LocalImage {
  /** The image's ENTRYPOINT and CMD, as Kubernetes combines them with a container's command and args. */
  entrypoint: string[];
  cmd: string[];
  /** The image's ENV, with paths still as the image sees them. */
  env: Record<string, string>;
  workdir: string;
  /** Paths inside the image that exist locally: the image's WORKDIR is the repository root. */
  filesystem: { imagePath: string; localPath: string }[];
}

export class ImageError extends Error {
  override name = 'ImageError';
}

const OUR_IMAGE = /^ghcr\.io\/[^/]+\/pod-patterns-([a-z-]+)(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?$/;
/** tini (PID 1 in a container, reaping children) has no job outside one: podrun supervises the process. */
const INIT_WRAPPERS = new Set(['tini', '/usr/bin/tini', 'dumb-init']);

/** `--image NAME=COMMAND`: a local command for an image, whitespace-separated. */
export function parseImageMapping(text: string): [string, string[]] {
  const at = text.indexOf('=');
  const command = text
    .slice(at + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (at <= 0 || command.length === 0)
    throw new ImageError(`--image ${text}: expected IMAGE=COMMAND, for example redis:7.4.2=redis-server`);
  return [text.slice(0, at), command];
}

export function resolveImage(image: string, repoRoot: string, mappings: Map<string, string[]>): LocalImage {
  const mapped = mappings.get(image) ?? mappings.get(image.replace(/[:@].*$/, ''));
  if (mapped) return { entrypoint: mapped, cmd: [], env: {}, workdir: process.cwd(), filesystem: [] };
  const app = OUR_IMAGE.exec(image)?.[1];
  const dockerfile = app ? join(repoRoot, 'apps', app, 'Dockerfile') : undefined;
  if (!app || !dockerfile || !existsSync(dockerfile))
    throw new ImageError(
      `image ${image} is not one of this repository's, and podrun does not run containers: map it to a local command with --image ${image.replace(/[:@].*$/, '')}=COMMAND`,
    );
  if (!existsSync(join(repoRoot, 'apps', app, 'dist', 'main.js')))
    throw new ImageError(`image ${image}: apps/${app}/dist/main.js is missing; run npm run build first`);
  return fromDockerfile(readFileSync(dockerfile, 'utf8'), repoRoot);
}

/** The last stage of a Dockerfile, as the image it builds would run. */
export function fromDockerfile(content: string, repoRoot: string): LocalImage {
  const dockerfile = DockerfileParser.parse(content);
  const stageStart = dockerfile.getFROMs().at(-1)?.getRange().start.line ?? 0;
  const runner = dockerfile.getInstructions().filter((i) => i.getRange().start.line >= stageStart);
  const env: Record<string, string> = {};
  let workdir = '/';
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  for (const instruction of runner) {
    const keyword = instruction.getKeyword();
    const argument = instruction.getTextContent().slice(instruction.getInstruction().length).trim();
    if (keyword === 'ENV') for (const p of (instruction as Env).getProperties()) env[p.getName()] = p.getValue() ?? '';
    if (keyword === 'WORKDIR') workdir = argument;
    if (keyword === 'ENTRYPOINT') entrypoint = execForm(argument);
    if (keyword === 'CMD') cmd = execForm(argument);
  }
  while (entrypoint[0] && INIT_WRAPPERS.has(entrypoint[0]))
    entrypoint = entrypoint.slice(entrypoint[1] === '--' ? 2 : 1);
  return { entrypoint, cmd, env, workdir, filesystem: [{ imagePath: workdir, localPath: repoRoot }] };
}

function execForm(argument: string): string[] {
  try {
    const argv = JSON.parse(argument) as unknown;
    if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) return argv;
  } catch {}
  throw new ImageError(`${argument}: only the exec form (a JSON array) is supported`);
}

/** The argv a container runs: Kubernetes' rule for command/args over ENTRYPOINT/CMD. */
export function argvOf(image: LocalImage, command?: string[], args?: string[]): string[] {
  if (command) return [...command, ...(args ?? [])];
  return [...image.entrypoint, ...(args ?? image.cmd)];
}
