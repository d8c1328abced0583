// Each app's Dockerfile: dockerfile-utils' own validator, plus this project's rules for the
// image that ships (its last stage): a pinned base, a numeric USER, an exec-form ENTRYPOINT,
// and only production dependencies.
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: { keyword: string; args: string }[];
}

export function stagesOf(content: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(content).getInstructions()) {
    const keyword = instruction.getKeyword();
    // The text after the keyword, flags such as COPY's --from= included.
    const args = instruction.getTextContent().slice(instruction.getInstruction().length).trim();
    if (keyword === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      stages.push({ name, from, instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword, args });
  }
  return stages;
}

/** The ENTRYPOINT of the image that ships, as an argv. */
export function entrypointOf(content: string): string[] {
  const runner = stagesOf(content).at(-1);
  const entrypoint = runner?.instructions.findLast((i) => i.keyword === 'ENTRYPOINT');
  if (!entrypoint) throw new Error('no ENTRYPOINT in the last stage');
  return JSON.parse(entrypoint.args) as string[];
}

export function exposedPorts(content: string): number[] {
  return (stagesOf(content).at(-1)?.instructions ?? [])
    .filter((i) => i.keyword === 'EXPOSE')
    .flatMap((i) => i.args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
}

export function dockerfileProblems(content: string): string[] {
  const problems = validate(content)
    .filter((d) => d.severity === 1 || d.severity === 2)
    .map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  const stages = stagesOf(content);
  const names = new Set(stages.map((s) => s.name));
  for (const stage of stages) {
    if (names.has(stage.from)) continue; // FROM an earlier stage
    const tag = /:([^/@]+)$/.exec(stage.from)?.[1];
    if (!tag || tag === 'latest' || !/\d/.test(tag))
      problems.push(`FROM ${stage.from}: base image not pinned by a version tag`);
  }
  const runner = stages.at(-1);
  if (!runner) return [...problems, 'no FROM'];
  const last = (keyword: string) => runner.instructions.findLast((i) => i.keyword === keyword);
  const user = last('USER');
  if (!user || !/^\d+(:\d+)?$/.test(user.args))
    problems.push(`USER ${user?.args ?? '(none)'}: the image must run as a numeric non-root user`);
  else if (/^0(:|$)/.test(user.args)) problems.push('USER 0: the image must not run as root');
  const entrypoint = last('ENTRYPOINT');
  try {
    if (!entrypoint || !Array.isArray(JSON.parse(entrypoint.args))) throw new Error();
  } catch {
    problems.push('ENTRYPOINT must be in exec form (a JSON array), so the app is PID 1 or under tini and gets signals');
  }
  // Production dependencies only: node_modules come from a stage that pruned them, never the context.
  for (const copy of runner.instructions.filter((i) => i.keyword === 'COPY')) {
    const from = /--from=(\S+)/.exec(copy.args)?.[1];
    if (!from) {
      problems.push(`COPY ${copy.args}: the runner copies from the build context, not from a build stage`);
      continue;
    }
    if (!/node_modules/.test(copy.args)) continue;
    const source = stages.find((s) => s.name === from);
    const pruned = source?.instructions.some(
      (i) => i.keyword === 'RUN' && /npm (prune|ci|install)\b[^&]*--omit=dev/.test(i.args),
    );
    if (!pruned)
      problems.push(`COPY ${copy.args}: node_modules from stage ${from}, which never drops dev dependencies`);
  }
  return problems;
}
