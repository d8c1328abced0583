#!/usr/bin/env node
// Writes each app's env table into its README, between the env-table markers, from the app's
// own schema (apps/<name>/dist/config.js). Run after `npm run build`; each app's tests fail when
// its README's table differs from its schema.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const { envTable } = await import(pathToFileURL(join(root, 'packages/kit/dist/index.js')).href);
const START = '<!-- env-table:start -->';
const END = '<!-- env-table:end -->';

for (const app of readdirSync(join(root, 'apps'))) {
  const schemaModule = join(root, 'apps', app, 'dist/config.js');
  const readme = join(root, 'apps', app, 'README.md');
  if (!existsSync(schemaModule) || !existsSync(readme)) continue;
  const { envSchema } = await import(pathToFileURL(schemaModule).href);
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    console.error(`${app}: README has no ${START} … ${END} block`);
    process.exitCode = 1;
    continue;
  }
  const next = `${text.slice(0, start + START.length)}\n${envTable(envSchema)}\n${text.slice(end)}`;
  if (next !== text) writeFileSync(readme, next);
  console.log(`${app}: ${next === text ? 'up to date' : 'updated'}`);
}
