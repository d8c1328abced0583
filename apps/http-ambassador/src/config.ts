// http-ambassador's whole environment, declared once: it parses, types and documents (--help).
import { defineEnv, duration, integer, listen } from '@pod-patterns/kit';
import { z } from 'zod';
import { parseSticky, parseUpstreams } from './upstreams.js';

/** A text field parsed by `parse`, whose thrown message becomes the config error. */
const parsed = <T>(description: string, parse: (text: string) => T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe(description);

const file = (description: string) => z.string().min(1).optional().describe(description);

export const envSchema = defineEnv({
  AMBASSADOR_LISTEN: listen('Where the app sends its calls; loopback, so only the pod reaches it.', '127.0.0.1:8081'),
  OPS_LISTEN: listen('Address of /metrics, /healthz and /readyz.', '0.0.0.0:9181'),
  UPSTREAMS: parsed(
    'The external API: one URL, or `url weight [name]` items, comma-separated, to split traffic by weight.',
    parseUpstreams,
  ),
  STICKY: parsed(
    'Weighted splitting per client: `off`, `header:<name>` or `cookie:<name>` (that value pins the variant).',
    parseSticky,
  ).prefault('off'),
  AUTH_BEARER_FILE: file('A file holding a bearer token to send upstream (a mounted Secret; re-read when it changes).'),
  AUTH_BASIC_FILE: file('A file holding `user:password` for basic auth upstream (re-read when it changes).'),
  TLS_CA_FILE: file('CA bundle (PEM) that https upstreams are verified against, instead of the system CAs.'),
  TLS_CERT_FILE: file('Client certificate (PEM) for mTLS to https upstreams; needs TLS_KEY_FILE.'),
  TLS_KEY_FILE: file('Client private key (PEM) for mTLS.'),
  CONNECT_TIMEOUT: duration('Bound on opening a connection to an upstream.', '2s'),
  TRY_TIMEOUT: duration("Bound on one try, until the upstream's response headers.", '10s'),
  TOTAL_TIMEOUT: duration('Bound on a whole request, retries and response body included.', '30s'),
  RETRIES: integer(
    'Retries after the first try, for GET, HEAD, OPTIONS, PUT and DELETE only, on connect errors, 502, 503, 504.',
    2,
    0,
    10,
  ),
  RETRY_BUDGET_PERCENT: integer(
    'Retries may add at most this share of the requests of the last 10 s (at least 3 always), so retries cannot multiply an outage.',
    20,
    0,
    100,
  ),
  RETRY_BACKOFF: duration("First retry's delay ceiling (full jitter, doubling); Retry-After is the floor.", '50ms'),
  RETRY_BACKOFF_MAX: duration('No retry waits longer than this; a longer Retry-After is not retried.', '2s'),
  BREAKER_FAILURES: integer('Consecutive failures of an upstream that open its circuit.', 5, 1, 1000),
  BREAKER_FAILURE_PERCENT: integer(
    'Or this share of failures over the last 10 s (with at least BREAKER_MIN_REQUESTS requests); 0 turns it off.',
    50,
    0,
    100,
  ),
  BREAKER_MIN_REQUESTS: integer('Requests in the window before the failure share counts.', 20, 1, 100_000),
  BREAKER_COOLDOWN: duration(
    'How long an open circuit answers 503 before one trial request goes through (half-open).',
    '10s',
  ),
  MAX_BODY_BYTES: integer(
    'Largest request body accepted (413 above it); bodies are held so a retry can resend them.',
    1 << 20,
    0,
    1 << 30,
  ),
  MAX_RESPONSE_BYTES: integer(
    'Largest upstream response passed on (502 above it when declared, cut when not).',
    64 << 20,
    1,
    1 << 30,
  ),
  SHUTDOWN_TIMEOUT: duration('On SIGTERM, how long requests in flight may take before connections are cut.', '20s'),
});

export type Config = z.output<typeof envSchema>;
