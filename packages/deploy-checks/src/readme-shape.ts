// Every app README has the same shape, so a reader who knows one finds their way in the next:
// a Ports table (or why there is none), a Security section saying what each port exposes and to
// whom, "In a pod" pointing at a real manifest under k8s/, and "Copying it out" giving the one
// command that copies the app out (npm run copy-out), which CI proves for every app.

/** The text of `## heading` up to the next `## `, or undefined when there is no such section. */
function section(readme: string, heading: string): string | undefined {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) return undefined;
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** What is wrong with the README of the app `app`. */
export function readmeShapeProblems(readme: string, app: string): string[] {
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
  else if (!copying.includes(`\n\`\`\`sh\nnpm run copy-out -- ${app} `))
    problems.push(`"## Copying it out" does not open with the command: npm run copy-out -- ${app} <dir>`);
  return problems;
}
