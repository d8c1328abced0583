#!/usr/bin/env node
// The apps that have an image, as a JSON list: every apps/<name>/Dockerfile. The workflow's
// image and kind jobs take their list from here, so a new app cannot be left out of them.
import { existsSync, readdirSync } from 'node:fs';

const root = new URL('../../apps/', import.meta.url);
const apps = readdirSync(root)
  .filter((name) => existsSync(new URL(`${name}/Dockerfile`, root)))
  .sort();
console.log(JSON.stringify(apps));
