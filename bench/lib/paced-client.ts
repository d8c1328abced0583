// Open-loop load at a constant rate, wrk2-style, as its own process: `paced-client URL RATE
// SECONDS` prints one JSON line. Requests are sent on a schedule (RATE per second, spread
// evenly over 1 ms ticks), whatever the answers do: a server that stalls still gets the
// requests due meanwhile, and each is timed from when it went out, so the stall is in their
// latencies (no coordinated omission, which a client that waits for each answer would have). Why not hey -q: each of its workers has its own
// ticker, all started together, so 20 workers at 100 req/s send bursts of 20 every 10 ms; a
// Node proxy then measured 2 ms at p50 that were the burst's queue, not the proxy. wrk2 is not
// packaged in Debian.
import { Agent, request } from 'node:http';

const [url, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const latencies: number[] = [];
let errors = 0;
let sent = 0;

function send(): void {
  const sentAt = performance.now();
  const req = request(url as string, { agent }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) latencies.push(performance.now() - sentAt);
      else errors++;
    });
  });
  req.on('error', () => errors++);
  req.end();
}

const start = performance.now();
const total = rate * seconds;
const tick = setInterval(() => {
  // Every request due by now goes out now.
  const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
  for (; sent < due; sent++) send();
  if (sent >= total) clearInterval(tick);
}, 1);

const answered = () => latencies.length + errors;
const done = setInterval(() => {
  if (sent < total || (answered() < total && performance.now() - start < (seconds + 10) * 1000)) return;
  clearInterval(done);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  const elapsed = (performance.now() - start) / 1000;
  console.log(
    JSON.stringify({
      requests: answered(),
      errors: errors + (total - answered()),
      rps: answered() / Math.max(seconds, elapsed),
      p50ms: at(0.5),
      p99ms: at(0.99),
      p999ms: at(0.999),
    }),
  );
  agent.destroy();
}, 20);
