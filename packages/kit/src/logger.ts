// One JSON line per event on stdout (pino), so the kubelet's log collection gets structured logs
// without a sidecar. Secrets are removed by key before the line is written.
import { hostname } from 'node:os';
import { type Logger, pino } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'password',
  'passwd',
  'token',
  'secret',
  'authorization',
  'cookie',
  'apiKey',
  'api_key',
  'accessToken',
  'bearerToken',
];

/**
 * Paths pino redacts: each secret key at the top level and up to three levels down (pino's
 * wildcards match one level each), plus HTTP headers wherever they are logged.
 */
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]).concat([
  'headers["set-cookie"]',
  '*.headers["set-cookie"]',
  '*.headers["proxy-authorization"]',
]);

export interface LoggerOptions {
  name: string;
  version: string;
  level?: string;
  /** Where lines go; stdout unless a test captures them. */
  destination?: pino.DestinationStream;
}

export function createLogger({ name, version, level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level: level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: name, version, pid: process.pid, hostname: hostname() },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
