// `npm run bench`: every benchmark, or the ones named (`npm run bench -- web`). Timing never
// fails the run; each benchmark prints its table, its ratios and whether the goal was met.
import { benchAdapter } from './adapter.js';
import { benchAmbassador } from './ambassador.js';
import { benchDemo } from './demo.js';
import { benchGitSync } from './git-sync.js';
import { benchHttpAmbassador } from './http-ambassador.js';
import { benchWeb } from './web.js';
import { benchWebDashboards } from './web-dashboards.js';

const benchmarks: Record<string, () => Promise<void>> = {
  web: benchWeb,
  'web-dashboards': benchWebDashboards,
  adapter: benchAdapter,
  'git-sync': benchGitSync,
  ambassador: benchAmbassador,
  'http-ambassador': benchHttpAmbassador,
  demo: benchDemo,
};
// The runtime can matter (bench/README.md); the images ship Node 24.
console.log(`node ${process.version} (run the benchmarks under another Node by putting it first on PATH)`);
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of chosen.length > 0 ? chosen : Object.keys(benchmarks)) {
  const bench = benchmarks[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; have: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
  await bench();
}
