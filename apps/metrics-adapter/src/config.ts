// metrics-adapter's whole environment, declared once: it parses, types and documents (--help).
import { defineEnv, duration, integer, listen, url } from '@pod-patterns/kit';
import { z } from 'zod';

export const envSchema = defineEnv({
  ADAPTER_SOURCE_URL: url(
    "The JSON endpoint to adapt: the app's pod-private stats.",
    ['http', 'https'],
    'http://127.0.0.1:9000/stats',
  ),
  ADAPTER_MAPPING_FILE: z
    .string()
    .optional()
    .describe("The YAML mapping rules. Unset: the built-in mapping for web's /stats (`mappings/web.yaml`)."),
  ADAPTER_LISTEN: listen('Address of /metrics, /healthz and /readyz.', '0.0.0.0:9102'),
  ADAPTER_SOURCE_TIMEOUT: duration(
    "Timeout of one fetch of the source; keep it under Prometheus' scrape_timeout (10s by default).",
    '3s',
  ),
  ADAPTER_SOURCE_MAX_BYTES: integer(
    'Largest source document accepted, in bytes.',
    16 * 1024 * 1024,
    1,
    1024 * 1024 * 1024,
  ),
  ADAPTER_SOURCE_MAX_DEPTH: integer(
    'Deepest nesting of arrays and objects accepted in the source document.',
    32,
    1,
    1000,
  ),
  ADAPTER_SOURCE_MAX_VALUES: integer(
    'Most values (array elements and object members) accepted in the source document.',
    100_000,
    1,
    10_000_000,
  ),
  ADAPTER_MAX_SERIES: integer(
    'Most series the mapping may make from one document; past it the scrape fails (up 0) rather than grow without end.',
    10_000,
    1,
    1_000_000,
  ),
  ADAPTER_CACHE_TTL: duration(
    'Serve the last good document for this long instead of fetching again; 0 fetches on every scrape.',
    '0s',
  ),
});

export type Config = z.output<typeof envSchema>;
