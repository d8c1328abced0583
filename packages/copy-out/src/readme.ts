// The copy's README: the app's own, with links that work from the new place, "Copying it out"
// replaced by what the copy is and what stayed behind, and the container spec under "In a pod".
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { type AppName, fromRepo } from './repo.js';
import type { LeftBehind } from './sources.js';

/** Where `## heading` starts and where the next `## ` starts, or undefined without such a section. */
function sectionBounds(readme: string, heading: string): { start: number; end: number } | undefined {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) return undefined;
  const next = readme.indexOf('\n## ', start + 1);
  return { start: start + 1, end: next === -1 ? readme.length : next + 1 };
}

/**
 * Links into the rest of the repository name what they pointed at instead, since the copy has
 * none of it: [`k8s/demo.yaml`](../../k8s/demo.yaml) becomes `k8s/demo.yaml` of pod-patterns.
 * Links to the app's own files stay, and the kit's folder is now src/kit.
 */
export function relink(readme: string, app: string): string {
  return readme.replace(/\[([^\]]+)\]\((\.\.\/[^)#\s]*)(#[^)]*)?\)/g, (_match, text: string, target: string) => {
    const path = posix.normalize(`apps/${app}/${target}`).replace(/\/$/, '');
    if (path === 'packages/kit') return `[${text.replace('packages/kit', 'src/kit')}](src/kit)`;
    const named = text.replaceAll('`', '').replace(/\/$/, '');
    return named === path ? `${text} of pod-patterns` : `${text} (pod-patterns' \`${path}\`)`;
  });
}

export function copyReadme(app: AppName, podSpec: string, taken: string[], left: LeftBehind[]): string {
  let readme = relink(readFileSync(fromRepo(`apps/${app}/README.md`), 'utf8'), app);

  const copying = sectionBounds(readme, 'Copying it out');
  if (!copying) throw new Error(`apps/${app}/README.md has no "## Copying it out" section`);
  const body = readme.slice(copying.start, copying.end);
  const table = body.indexOf('\n| file |'); // the table of this app's files, and what follows it, stay
  const stayed =
    left.length === 0
      ? 'All of its test files came along.'
      : `Its tests came along (${taken.length} files), except:\n\n${left.map((l) => `- \`${l.file}\`: it ${l.reason}, which is not here.`).join('\n')}`;
  const thisCopy = `## This copy

Made from pod-patterns with \`npm run copy-out -- ${app} <dir>\`. It stands alone:

- \`npm install\`, then \`npm test\` (it builds first: the process tests run \`dist/main.js\`),
  \`npm run build\`, \`npm start\`. \`docker build -t ${app} .\` needs the \`package-lock.json\` that
  \`npm install\` writes; commit it.
- \`src/kit/\` is pod-patterns' shared kit, whole: the env schema and \`--help\`, the logger, the
  ops server, the lifecycle, backoff. It is ordinary source of this project now; change it freely.
- \`test/support/\` holds the test helpers: real processes, and real servers on free ports.
- \`package.json\` pins every dependency to the version pod-patterns tested, and
  \`tsconfig.json\` has the compiler settings it was built with.
- \`k8s/pod-spec.yaml\` is the container as pod-patterns runs it (see "In a pod").

${stayed}
`;
  readme =
    readme.slice(0, copying.start) + thisCopy + (table === -1 ? '\n' : body.slice(table)) + readme.slice(copying.end);

  const pod = sectionBounds(readme, 'In a pod');
  if (!pod) throw new Error(`apps/${app}/README.md has no "## In a pod" section`);
  const spec = `\nIn a Pod of your own: the container, its volumes and the Pod-level settings it relies on are in
[\`k8s/pod-spec.yaml\`](k8s/pod-spec.yaml):

\`\`\`yaml
${podSpec.trimEnd()}
\`\`\`\n`;
  const sectionEnd = readme.slice(0, pod.end).trimEnd().length;
  return `${readme.slice(0, sectionEnd)}\n${spec}\n${readme.slice(pod.end)}`;
}
