// redis-ambassador's whole environment, declared once: it parses, types and documents (--help).
// Names follow twemproxy's pool settings where there is one (timeout, server_failure_limit,
// auto_eject_hosts, server_retry_timeout, hash, distribution, hash_tag).
import { bool, defineEnv, duration, integer, list, listen, secret } from '@pod-patterns/kit';
import { z } from 'zod';
import { DISTRIBUTIONS } from './hashing/distribution.js';
import { HASHES } from './hashing/hash.js';

export const DEFAULT_DENIED = 'FLUSHALL,FLUSHDB,CONFIG,DEBUG,SHUTDOWN,MONITOR,SLAVEOF,REPLICAOF,MIGRATE,MODULE';

export const envSchema = defineEnv({
  AMBASSADOR_LISTEN: listen('Where the app connects: RESP2, as to a plain Redis.', '127.0.0.1:6379'),
  REDIS_SERVERS: z
    .string()
    .optional()
    .describe(
      'The servers, in twemproxy form `host:port:weight [name]`, comma-separated. Use this or REDIS_SERVERS_FILE.',
    ),
  REDIS_SERVERS_FILE: z
    .string()
    .optional()
    .describe(
      'A file with the same list (commas or one per line), such as a mounted ConfigMap; a change, or SIGHUP, applies it without dropping clients.',
    ),
  REDIS_HASH: z
    .enum(Object.keys(HASHES) as [string, ...string[]])
    .prefault('fnv1a_64')
    .describe("Key hash, as twemproxy's `hash`."),
  REDIS_DISTRIBUTION: z
    .enum(Object.keys(DISTRIBUTIONS) as [string, ...string[]])
    .prefault('ketama')
    .describe("Key distribution, as twemproxy's `distribution`."),
  REDIS_HASH_TAG: z
    .string()
    .regex(/^(..)?$/, 'two characters, such as {}')
    .prefault('{}')
    .describe(
      'Hash tag: only the part of a key inside these two characters is hashed, so related keys share a server.',
    ),
  REDIS_USERNAME: z.string().optional().describe('ACL user for the servers (AUTH user password).'),
  REDIS_PASSWORD: secret(
    z
      .string()
      .min(1)
      .optional()
      .describe(
        'Password for the servers, sent as AUTH on every server connection; the file is read again on each reconnect, so a rotated password takes effect.',
      ),
    {
      fileOnly: true,
    },
  ),
  REDIS_TLS: bool('TLS to the servers.', false),
  REDIS_TLS_CA_FILE: z.string().optional().describe("PEM CA bundle that signs the servers' certificates."),
  REDIS_TLS_CERT_FILE: z.string().optional().describe('PEM client certificate, for servers that require one.'),
  REDIS_TLS_KEY_FILE: z.string().optional().describe('PEM key of the client certificate.'),
  AMBASSADOR_CLIENT_PASSWORD: secret(
    z.string().min(1).optional().describe('When set, clients must AUTH with it first.'),
    { fileOnly: true },
  ),
  AMBASSADOR_DENY_COMMANDS: list('Commands refused with an error (the connection stays usable).', DEFAULT_DENIED),
  AMBASSADOR_ALLOW_SCRIPTING: bool(
    'Let EVAL, EVALSHA, SCRIPT, FUNCTION and FCALL through. A script runs any command inside the server, past the deny list: turn this on only for an app whose scripts you trust.',
    false,
  ),
  SERVER_TIMEOUT: duration(
    "A server that has not answered a request in this long is failed (twemproxy's `timeout`).",
    '1s',
  ),
  SERVER_FAILURE_LIMIT: integer('Consecutive failures that eject a server, with AUTO_EJECT_HOSTS.', 2, 1, 1000),
  AUTO_EJECT_HOSTS: bool(
    'Eject a failing server from the ring (its keys move to the others) until SERVER_RETRY_TIMEOUT.',
    false,
  ),
  SERVER_RETRY_TIMEOUT: duration('How long a failed server is left alone before it is tried again.', '30s'),
  AMBASSADOR_MAX_CLIENTS: integer(
    'Client connections accepted at once; more are refused with an error.',
    10_000,
    1,
    1_000_000,
  ),
  AMBASSADOR_MAX_REQUEST_BYTES: integer(
    'Largest argument accepted (bulk length), in bytes.',
    16 * 1024 * 1024,
    1024,
    512 * 1024 * 1024,
  ),
  AMBASSADOR_CLIENT_IDLE_TIMEOUT: duration('Close client connections idle this long; 0 never.', '0s'),
  OPS_LISTEN: listen('Address of /metrics, /healthz and /readyz.', '0.0.0.0:9121'),
  SHUTDOWN_TIMEOUT: duration('On SIGTERM, how long replies in flight may take before connections are cut.', '10s'),
});

export type Config = z.output<typeof envSchema>;
