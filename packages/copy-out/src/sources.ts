// The source files of a copy: the app's own folder, the kit inside it at src/kit, and the test
// helpers at test/support. Imports of the two workspace packages become relative paths; a test
// that reaches into the rest of the monorepo stays behind, with the reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fromRepo } from './repo.js';

/** Where each workspace package the copy carries goes inside it. */
const CARRIED = { kit: 'src/kit/index.js', testing: 'test/support/index.js' } as const;

/** What of the app folder the copy writes anew (package.json, ...) or never takes (build output). */
const NOT_TAKEN = new Set([
  'node_modules',
  'dist',
  '.turbo',
  'test-results.tap',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'Dockerfile',
  'README.md',
]);

/** A test that needs more of the monorepo than the app: another app, or a file outside the app's folder. */
const REACHES_OUT = [
  { pattern: /new URL\('(\.\.\/\.\.\/[^']*)'/, reason: (m: string) => `reads ${m} of the monorepo` },
  { pattern: /['"](@pod-patterns\/(?!kit['"]|testing['"])[\w-]+)['"]/, reason: (m: string) => `imports ${m}` },
];

export type Files = Map<string, string | Buffer>;
export interface LeftBehind {
  file: string;
  reason: string;
}

/** Every file under `dir`, as paths relative to it with `/` separators, skipping `skip` at the top. */
function walk(dir: string, skip = new Set<string>()): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !skip.has(entry.name))
    .flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name)).map((inner) => `${entry.name}/${inner}`)
        : entry.isFile()
          ? [entry.name]
          : [],
    )
    .sort();
}

/** `@pod-patterns/kit` and `@pod-patterns/testing`, as paths relative to the file at `file`. */
export function rewriteImports(text: string, file: string): string {
  return text.replace(/(['"])@pod-patterns\/(kit|testing)\1/g, (_match, quote: string, pkg: keyof typeof CARRIED) => {
    const target = posix.relative(posix.dirname(file), CARRIED[pkg]);
    return `${quote}${target.startsWith('.') ? target : `./${target}`}${quote}`;
  });
}

/** Why a test file cannot come along, or undefined when it can. */
export function reachesOut(text: string): string | undefined {
  for (const { pattern, reason } of REACHES_OUT) {
    const match = pattern.exec(text);
    if (match) return reason(match[1] as string);
  }
  return undefined;
}

/** The files of the copy that come from the repository as they are (modulo imports). */
export function sourceFiles(app: string): { files: Files; taken: string[]; left: LeftBehind[] } {
  const files: Files = new Map();
  const taken: string[] = [];
  const left: LeftBehind[] = [];
  const appDir = fromRepo(`apps/${app}`);
  for (const file of walk(appDir, NOT_TAKEN)) {
    const path = join(appDir, file);
    if (!file.endsWith('.ts')) {
      files.set(file, readFileSync(path));
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const reason = file.startsWith('test/') ? reachesOut(text) : undefined;
    if (reason && file.endsWith('.test.ts')) {
      left.push({ file, reason });
      continue;
    }
    // A helper that reaches out would break every test that imports it: fix the helper instead.
    if (reason) throw new Error(`apps/${app}/${file} ${reason}, and it is not a test file that could stay behind`);
    if (file.endsWith('.test.ts')) taken.push(file);
    files.set(file, rewriteImports(text, file));
  }
  for (const [from, to] of [
    ['packages/kit/src', 'src/kit'],
    ['packages/testing/src', 'test/support'],
  ] as const)
    for (const file of walk(fromRepo(from))) files.set(`${to}/${file}`, readFileSync(fromRepo(`${from}/${file}`)));
  files.set('scripts/run-tests.mjs', readFileSync(fromRepo('scripts/run-tests.mjs')));
  return { files, taken, left };
}
