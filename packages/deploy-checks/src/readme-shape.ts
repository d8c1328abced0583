// Every app README has the same shape, so a reader who knows one finds their way in the next:
// a Ports table (or why there is none), a Security section saying what each port exposes and to
// whom, "In a pod" pointing at a real manifest under k8s/, and "Copying it out" naming every kit
// file the app calls, read from its imports.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The text of `## heading` up to the next `## `, or undefined when there is no such section. */
function section(readme: string, heading: string): string | undefined {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) return undefined;
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** What is wrong with one app's README; `kitFiles` are the kit files the app calls. */
export function readmeShapeProblems(readme: string, kitFiles: string[]): string[] {
  const problems: string[] = [];
  const ports = section(readme, 'Ports');
  if (!ports) problems.push('no "## Ports" section');
  else if (!/^\| .* \|$/m.test(ports) && !/^None\./m.test(ports))
    problems.push('"## Ports" has neither a table nor "None." with the reason');
  const security = section(readme, 'Security');
  if (!security) problems.push('no "## Security" section');
  else if (!/^\| .* \|$/m.test(security) && !/^None of its own/m.test(security))
    problems.push('"## Security" has neither a table of ports nor "None of its own" with the reason');
  const pod = section(readme, 'In a pod');
  if (!pod) problems.push('no "## In a pod" section');
  else if (!/\]\(\.\.\/\.\.\/k8s\/patterns\//.test(pod))
    problems.push('"## In a pod" links no manifest under k8s/patterns/');
  const copying = section(readme, 'Copying it out');
  if (!copying) problems.push('no "## Copying it out" section');
  else
    for (const file of kitFiles)
      if (!copying.includes(`\`src/${file}.ts\``))
        problems.push(`"## Copying it out" does not name the kit's src/${file}.ts`);
  return problems;
}

/** The names in an import or export list such as `a, type B, c as d`: each as [name, alias]. */
function specifiers(list: string): string[][] {
  return list
    .split(',')
    .map((spec) => spec.replace(/^\s*type\s+/, '').trim())
    .filter(Boolean)
    .map((spec) => spec.split(/\s+as\s+/));
}

/** The kit files (`env-fields`, `service`, ...) whose exports the app at `appDir` imports. */
export function kitFilesUsedBy(appDir: string, kitIndex: string): string[] {
  const fileOf = new Map<string, string>(); // exported name -> kit file
  for (const [, list, file] of kitIndex.matchAll(/export (?:type )?\{([^}]*)\} from '\.\/([\w-]+)\.js'/g))
    for (const names of specifiers(list as string)) fileOf.set(names.at(-1) as string, file as string);
  const used = new Set<string>();
  const sources = readdirSync(join(appDir, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  for (const source of sources) {
    const text = readFileSync(join(appDir, 'src', source), 'utf8');
    for (const [, list] of text.matchAll(/import (?:type )?\{([^}]*)\} from '@pod-patterns\/kit'/g))
      for (const [name] of specifiers(list as string)) {
        const file = fileOf.get(name as string);
        if (file) used.add(file);
      }
  }
  return [...used].sort();
}
