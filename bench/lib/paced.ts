// Runs lib/paced-client.ts (open-loop, constant-rate load) as its own process, so that its
// CPU is not the benchmark's, and reads its result.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const client = fileURLToPath(new URL('./paced-client.ts', import.meta.url));

export interface PacedResult {
  requests: number;
  errors: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  p999ms: number;
}

/** `rate` requests per second to `url` for `seconds`. */
export async function paced(url: string, rate: number, seconds: number): Promise<PacedResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', client, url, String(rate), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out) as PacedResult;
}

/** The same, calling `sample` every second while it runs (for memory over a soak). */
export async function pacedWhile(url: string, rate: number, seconds: number, sample: () => void): Promise<PacedResult> {
  const timer = setInterval(sample, 1000);
  try {
    return await paced(url, rate, seconds);
  } finally {
    clearInterval(timer);
  }
}
