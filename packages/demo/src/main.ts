#!/usr/bin/env node
// `npm run demo`: the demo pod of k8s/ on this machine, with only Node and git (and redis-server
// for the visit counter). It starts the pod's outside systems (outside.ts), then podrun runs the
// demo Deployment's pod from the manifests, with the Service names sent to them. Ctrl-C stops
// the pod in Kubernetes order, then everything this started; nothing is left listening.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FAULT_HELP, Faults } from './faults.js';
import { repoRoot, startOutside } from './outside.js';
import { isPattern, outsideFor, PATTERNS, TRY } from './patterns.js';

// kubectl renders k8s/ itself; without it, the committed rendering is the same pod (a test
// keeps it current).
const hasKubectl = (process.env.PATH ?? '')
  .split(':')
  .some((dir) => statSync(join(dir, 'kubectl'), { throwIfNoEntry: false }));
const source = hasKubectl ? join(repoRoot, 'k8s') : join(repoRoot, 'k8s', 'kubernetes-manifests.yaml');

// --pattern <p> runs k8s/patterns/<p>'s Pod instead of the demo pod; every other option goes to podrun.
const args = process.argv.slice(2);
const at = args.indexOf('--pattern');
const pattern = at >= 0 ? args[at + 1] : undefined;
if (at >= 0) args.splice(at, 2);
const say = (text: string) => process.stdout.write(`demo    | ${text}\n`);
if (pattern !== undefined && !isPattern(pattern)) {
  console.error(`demo: --pattern ${pattern ?? ''}: expected one of ${PATTERNS.join(', ')}`);
  process.exit(2);
}
if (pattern && !hasKubectl) {
  console.error('demo: --pattern needs kubectl, to render k8s/patterns/<p> with its ConfigMaps (kubectl kustomize)');
  process.exit(2);
}

let hosts: string[];
let stopOutside: () => Promise<void>;
let faults: Faults | undefined;
if (pattern) {
  const outside = await outsideFor(pattern);
  hosts = outside.hosts;
  stopOutside = outside.stop;
  if (outside.systems) faults = new Faults(outside.systems);
  say(`the ${pattern} pattern alone: k8s/patterns/${pattern}, Pod pattern-${pattern}`);
  say(`try: ${TRY[pattern]}`);
} else {
  const outside = await startOutside();
  hosts = outside.hosts;
  stopOutside = outside.stop;
  say(
    `git-server: ${outside.gitUrl}; push to ${outside.gitRepo} (git clone it, edit, commit, push) and git-sync publishes it`,
  );
  say(`config-api: ${outside.configApi.url}`);
  if (outside.redisMissing) say(outside.redisMissing);
  else say(`redis shards on 127.0.0.1:${outside.redis.map((r) => r.port).join(' and :')}`);
  faults = new Faults(outside);
}

const podrun = spawn(
  process.execPath,
  [
    join(repoRoot, 'packages', 'podrun', 'dist', 'main.js'),
    pattern ? join(repoRoot, 'k8s', 'patterns', pattern) : source,
    '--pod',
    pattern ? `pattern-${pattern}` : 'demo',
    // The user's options first: the first --host for a name is the one that applies.
    ...args,
    ...hosts.flatMap((h) => ['--host', h]),
  ],
  // The terminal's input is the demo's own: the faults /_pod's walkthroughs ask for.
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (faults) {
  const commands = faults;
  say(FAULT_HELP);
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    commands.run(line).then(
      (said) => said && say(said),
      (error: Error) => say(`${line.trim()}: ${error.message}`),
    );
  });
  podrun.once('exit', () => {
    lines.close();
    process.stdin.destroy(); // or a terminal's open input would keep the demo from exiting
  });
}
// Signals go on to podrun, which stops the pod in order (a second one, a second later, kills
// it; the terminal's copy of the same Ctrl-C counts once). This process waits for it, then stops
// the outside systems.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => podrun.kill(signal));
const code = await new Promise<number>((resolve) => podrun.once('exit', (c, s) => resolve(c ?? (s ? 130 : 1))));
await stopOutside();
process.exitCode = code;
