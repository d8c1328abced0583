#!/usr/bin/env node
// `npm run demo`: build what is stale (turbo caches the rest), then run the demo pod from k8s/
// locally (packages/demo). Options after `--` go to podrun, for example `npm run demo -- --events e.jsonl`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(
  'npx',
  ['turbo', 'run', 'build', '--filter=@pod-patterns/demo...', '--output-logs=errors-only'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const demo = spawn(process.execPath, ['packages/demo/dist/main.js', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
// Signals go on to the demo, which stops in order; this process waits for it.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => demo.kill(signal));
demo.once('exit', (code) => process.exit(code ?? 1));
