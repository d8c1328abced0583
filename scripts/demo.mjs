#!/usr/bin/env node
// `npm run demo` will run the whole pod from k8s/ as local processes through packages/podrun.
// Until podrun lands it says so plainly instead of pretending.
console.error('npm run demo: the local pod runner (packages/podrun) has not landed yet; see the open issues.');
console.error('Each app already runs on its own: npm run build, then node apps/<name>/dist/main.js --help');
process.exit(1);
