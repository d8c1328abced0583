// One app as a project that stands alone. Everything is made in memory and checked first, then
// written: bad input writes nothing.
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { DOCKERIGNORE, dockerfile, GITIGNORE } from './dockerfile.js';
import { packageJson, tsconfigs } from './package-json.js';
import { podSpecFragment } from './pod-spec.js';
import { copyReadme } from './readme.js';
import { APPS, isApp, repoRoot } from './repo.js';
import { type Files, type LeftBehind, sourceFiles } from './sources.js';

/** A mistake of the caller's: the CLI prints the message alone and exits 2. */
export class UsageError extends Error {}

export interface CopyResult {
  destination: string;
  files: number;
  /** The test files that came along, and those that stayed behind with the reason. */
  taken: string[];
  left: LeftBehind[];
}

/** The deepest part of `path` that exists, with symlinks resolved: where it would really land. */
function realLanding(path: string): string {
  let existing = path;
  while (!existsSync(existing)) existing = dirname(existing);
  return join(realpathSync(existing), relative(existing, path));
}

function checkDestination(destination: string): void {
  const fromRoot = relative(realpathSync(repoRoot), realLanding(destination));
  if (fromRoot !== '..' && !fromRoot.startsWith('../') && !isAbsolute(fromRoot))
    throw new UsageError(`${destination} is inside this repository: a copy must stand outside it`);
  if (!existsSync(destination)) return;
  if (!statSync(destination).isDirectory()) throw new UsageError(`${destination} exists and is not a folder`);
  if (readdirSync(destination).length > 0) throw new UsageError(`${destination} exists and is not empty`);
}

export function planCopy(app: string): { files: Files; taken: string[]; left: LeftBehind[] } {
  if (!isApp(app)) throw new UsageError(`unknown app "${app}": one of ${APPS.join(', ')}`);
  const { files, taken, left } = sourceFiles(app);
  const { check, build } = tsconfigs(app);
  const podSpec = podSpecFragment(app);
  files.set('package.json', packageJson(app));
  files.set('tsconfig.json', check);
  files.set('tsconfig.build.json', build);
  files.set('Dockerfile', dockerfile(app));
  files.set('.dockerignore', DOCKERIGNORE);
  files.set('.gitignore', GITIGNORE);
  files.set('k8s/pod-spec.yaml', podSpec);
  files.set('README.md', copyReadme(app, podSpec, taken, left));
  return { files, taken, left };
}

/** Copies `app` to `to`, a path relative to where npm was run (INIT_CWD), like any CLI argument. */
export function copyOut(app: string, to: string): CopyResult {
  const destination = resolve(process.env.INIT_CWD ?? process.cwd(), to);
  const plan = planCopy(app);
  checkDestination(destination);
  const created = !existsSync(destination);
  try {
    for (const [file, content] of plan.files) {
      mkdirSync(dirname(join(destination, file)), { recursive: true });
      writeFileSync(join(destination, file), content);
    }
  } catch (error) {
    // Half a copy is worse than none: take back what was written.
    if (created) rmSync(destination, { recursive: true, force: true });
    else
      for (const entry of readdirSync(destination)) rmSync(join(destination, entry), { recursive: true, force: true });
    throw error;
  }
  return { destination, files: plan.files.size, taken: plan.taken, left: plan.left };
}
