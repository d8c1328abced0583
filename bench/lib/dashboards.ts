// N open /_pod dashboards, as browsers would hold them: EventSource streams on /_pod/events,
// read as they come. A process of its own, so that reading them never waits on the load
// generator (the benchmark runs wrk synchronously) and never lands on the process measured.
// Prints `open` once each stream has had its first update, and its totals on SIGTERM.
import { get } from 'node:http';

const [url = '', count = '10'] = process.argv.slice(2);
let bytes = 0;
let updates = 0;
let opened = 0;
for (let i = 0; i < Number(count); i++) {
  let first = true;
  get(url, { agent: false }, (res) => {
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      const events = chunk.toString('latin1').split('event: body').length - 1;
      updates += events;
      if (first && events > 0) {
        first = false;
        opened += 1;
        if (opened === Number(count)) console.log(JSON.stringify({ msg: 'open' }));
      }
    });
  }).on('error', (error) => console.log(JSON.stringify({ msg: 'error', error: error.message })));
}
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ msg: 'totals', bytes, updates }));
  process.exit(0);
});
