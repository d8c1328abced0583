// The copy's Dockerfile: a build stage for one folder (npm ci from its lockfile, build, prune to
// production dependencies) and the app's own runner stage from this repository, with its paths
// moved to the copy's layout. The runner is taken, not rewritten by hand, so the hardening stays
// the same: the numeric USER, tini and system packages where the app has them, the ENTRYPOINT.
import { readFileSync } from 'node:fs';
import { fromRepo } from './repo.js';

/** The runner stage's lines that exist only because of the workspace layout. */
const WORKSPACE_ONLY = [
  /^COPY --from=build \/repo\/packages\/kit\//, // the kit is compiled into dist/kit
  /^RUN find node_modules -xtype l -delete$/, // no workspace links in a single package
  /^# npm keeps links to every workspace/,
  /^# tests\); this stage does not copy those/,
];

export function dockerfile(app: string): string {
  const original = readFileSync(fromRepo(`apps/${app}/Dockerfile`), 'utf8');
  const base = /^FROM (\S+) AS build$/m.exec(original)?.[1];
  const runnerAt = original.search(/^FROM \S+ AS runner$/m);
  if (!base || runnerAt === -1) throw new Error(`apps/${app}/Dockerfile has no build or no runner stage`);
  const runner = original
    .slice(runnerAt)
    .split('\n')
    .filter((line) => !WORKSPACE_ONLY.some((pattern) => pattern.test(line)))
    .map((line) =>
      line
        .replaceAll(`/repo/apps/${app}/`, '/app/')
        .replaceAll(`./apps/${app}/`, './')
        .replaceAll(`apps/${app}/dist/`, 'dist/')
        .replace(/\/repo\/(package\.json|node_modules)/, '/app/$1'),
    )
    // The workspace copied the root's package.json and the app's; here they are one file.
    .filter((line, i, lines) => !line.startsWith('COPY ') || lines.indexOf(line) === i)
    .join('\n');
  const stray = /\/repo\/|apps\/|packages\//.exec(runner);
  if (stray)
    throw new Error(`apps/${app}/Dockerfile's runner stage has a workspace path copy-out does not know how to move`);
  return `# ${app}'s image, built from this folder alone: install from the lockfile, build, and keep
# only production dependencies and dist. \`npm install\` writes package-lock.json; commit it.
#   docker build -t ${app} .
FROM ${base} AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \\
 && npm prune --omit=dev --no-audit --no-fund

${runner}`;
}

export const DOCKERIGNORE = 'node_modules\ndist\ntest-results.tap\n.git\n';
export const GITIGNORE = 'node_modules/\ndist/\ntest-results.tap\n';
