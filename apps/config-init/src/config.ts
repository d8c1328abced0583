// config-init's whole environment, declared once: it parses, types and documents (--help).
import { defineEnv, duration, integer, list, secret } from '@pod-patterns/kit';
import { z } from 'zod';

export const FORMATS = ['auto', 'json', 'yaml', 'raw'] as const;

export const envSchema = defineEnv({
  CONFIG_URL: z
    .string()
    .optional()
    .describe('The one source to fetch: an http:, https: or file: URL. Use this or CONFIG_SOURCES_FILE.'),
  CONFIG_OUTPUT: z
    .string()
    .prefault('/config/app.json')
    .describe('Where CONFIG_URL is written: an absolute path on the shared volume.'),
  CONFIG_SOURCES_FILE: z
    .string()
    .optional()
    .describe('A YAML list of sources `{url, output, format, schema, required}`, published together as one set.'),
  CONFIG_FORMAT: z
    .enum(FORMATS)
    .prefault('auto')
    .describe(
      'How to read the body. `json` and `yaml` are parsed and written as canonical JSON; `raw` is written as fetched; `auto` picks by Content-Type, then by file extension.',
    ),
  CONFIG_SCHEMA_FILE: z.string().optional().describe('A JSON Schema (draft 2020-12) the parsed config must satisfy.'),
  CONFIG_REQUIRED_KEYS: list(
    'Comma-separated keys that must be present, dotted for nesting: `site.title,features`.',
    '',
  ),
  CONFIG_MAX_BYTES: integer('Largest body accepted, in bytes.', 1_048_576, 1, 256 * 1_048_576),
  CONFIG_FILE_MODE: z
    .string()
    .regex(/^0?[0-7]{3}$/, 'expected an octal file mode such as 0640')
    .transform((text) => Number.parseInt(text, 8))
    .prefault('0640')
    .describe('Mode of the written files (octal).'),
  CONFIG_TIMEOUT: duration('Connect and read timeout of each attempt.', '10s'),
  CONFIG_DEADLINE: duration('Deadline for the whole run, retries included.', '2m'),
  CONFIG_BACKOFF_INITIAL: duration('Ceiling of the first retry delay; it doubles per attempt (full jitter).', '500ms'),
  CONFIG_BACKOFF_MAX: duration('Longest delay between two attempts.', '15s'),
  CONFIG_BEARER_TOKEN: secret(z.string().min(1).optional().describe('Bearer token sent as `Authorization: Bearer`.'), {
    fileOnly: true,
  }),
  CONFIG_USERNAME: z.string().optional().describe('User name for HTTP basic auth (with CONFIG_PASSWORD_FILE).'),
  CONFIG_PASSWORD: secret(z.string().min(1).optional().describe('Password for HTTP basic auth.'), { fileOnly: true }),
  CONFIG_CA_FILE: z
    .string()
    .optional()
    .describe('PEM bundle of CAs to trust for https: sources, instead of the system ones.'),
  CONFIG_CLIENT_CERT_FILE: z
    .string()
    .optional()
    .describe('PEM client certificate for mutual TLS (with CONFIG_CLIENT_KEY_FILE).'),
  CONFIG_CLIENT_KEY_FILE: z.string().optional().describe('PEM private key of the client certificate.'),
  TERMINATION_LOG_PATH: z
    .string()
    .prefault('/dev/termination-log')
    .describe('Where the one-line failure reason is written for `kubectl describe pod`.'),
});

export type Config = z.output<typeof envSchema>;
