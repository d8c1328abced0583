// The copy's package.json and tsconfigs: everything the app, the kit and the tests use, pinned
// to the versions this repository's lockfile resolved, and the compiler settings the app is built
// with here, written out in full (nothing extends a file the copy does not have).
import { readFileSync } from 'node:fs';
import { fromRepo } from './repo.js';

type Json = Record<string, unknown>;
type Deps = Record<string, string>;
const readJson = (relative: string) => JSON.parse(readFileSync(fromRepo(relative), 'utf8')) as Json;

/** The root's tools the copy's scripts run: the compiler, Node's types, and tsx for the tests. */
const TOOLS = ['typescript', '@types/node', 'tsx'];

/** Each name at the version the lockfile installed for the app (its own copy first, then the hoisted one). */
function pinned(names: string[], app: string, lock: Json): Deps {
  const installed = lock.packages as Record<string, { version?: string }>;
  const pins: Deps = {};
  for (const name of names.sort()) {
    const version = (installed[`apps/${app}/node_modules/${name}`] ?? installed[`node_modules/${name}`])?.version;
    if (!version) throw new Error(`package-lock.json has no installed version of ${name}`);
    pins[name] = version;
  }
  return pins;
}

/** Dependency names, without the workspace packages the copy carries inside it or leaves behind. */
const external = (deps: unknown) =>
  Object.keys((deps ?? {}) as Deps).filter((name) => !name.startsWith('@pod-patterns/'));

export function packageJson(app: string): string {
  const lock = readJson('package-lock.json');
  const own = readJson(`apps/${app}/package.json`);
  const kit = readJson('packages/kit/package.json');
  const testing = readJson('packages/testing/package.json');
  // node ../../scripts/run-tests.mjs --test-concurrency=2 -> the same flags on the copy's runner
  const testFlags = String((own.scripts as Deps).test)
    .split(' ')
    .slice(2)
    .join(' ');
  const result = {
    name: app,
    version: own.version,
    private: true,
    description: own.description,
    license: own.license,
    type: 'module',
    main: 'dist/main.js',
    engines: own.engines,
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      // The process tests run the built entrypoint, so the build comes first.
      test: `npm run build && node scripts/run-tests.mjs${testFlags ? ` ${testFlags}` : ''}`,
      start: 'node dist/main.js',
    },
    dependencies: pinned([...new Set([...external(own.dependencies), ...external(kit.dependencies)])], app, lock),
    devDependencies: pinned(
      [...new Set([...external(own.devDependencies), ...external(testing.dependencies), ...TOOLS])],
      app,
      lock,
    ),
  };
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** tsconfig.json (type-checks src and test) and tsconfig.build.json (emits dist from src). */
export function tsconfigs(app: string): { check: string; build: string } {
  const base = (readJson('tsconfig.base.json').compilerOptions ?? {}) as Json;
  const settingsOf = (file: string) => {
    const { compilerOptions, include } = readJson(`apps/${app}/${file}`) as {
      compilerOptions: Json;
      include: string[];
    };
    return `${JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, include }, null, 2)}\n`;
  };
  return { check: settingsOf('tsconfig.json'), build: settingsOf('tsconfig.build.json') };
}
