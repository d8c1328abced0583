// npm run copy-out -- <app> <dir>

import { copyOut, UsageError } from './copy-out.js';
import { APPS } from './repo.js';

const USAGE = `usage: npm run copy-out -- <app> <dir>
  <app>  one of ${APPS.join(', ')}
  <dir>  a new or empty folder outside this repository`;

const [app, destination, ...extra] = process.argv.slice(2);
if (!app || !destination || extra.length > 0 || app === '--help') {
  console.error(USAGE);
  process.exit(app === '--help' ? 0 : 2);
}
try {
  const copy = copyOut(app, destination);
  console.log(`copied ${app} to ${copy.destination}: ${copy.files} files`);
  console.log(`took ${copy.taken.length} test files, left ${copy.left.length}`);
  for (const { file, reason } of copy.left) console.log(`  left ${file}: it ${reason}`);
  console.log(`next: cd ${copy.destination} && npm install && npm test && docker build -t ${app} .`);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`copy-out: ${error.message}\n${USAGE}`);
  process.exit(2);
}
