// The status documents of the helpers, as each app's README documents them, parsed with zod.
// A document is input from another process: one that does not have the documented shape is
// reported as such ("not the documented shape: ...") and never rendered, so a broken or
// hostile helper cannot break /_pod. Unknown extra fields are allowed (a newer helper).
import { z } from 'zod';

const time = z.string().max(64);
const text = z.string().max(4096);
const count = z.number().int().nonnegative();

export const redisReport = z.looseObject({
  sharded: z.boolean(),
  servers: z
    .array(
      z.looseObject({
        name: text,
        address: text,
        state: z.enum(['ok', 'failing', 'ejected']),
        commands: count,
        connections: z.number().int(),
        last_failure: z.object({ at: time, reason: text }).nullable(),
      }),
    )
    .max(256),
  keys: z.record(z.string(), z.string().nullable()),
});

export const httpReport = z.looseObject({
  failed_fast: count,
  upstreams: z
    .array(
      z.looseObject({
        name: text,
        url: text,
        circuit: z.enum(['closed', 'open', 'half_open']),
        requests: count,
        failures: count,
        retries: count,
        circuit_changes: z.array(z.object({ at: time, to: text })).max(100),
      }),
    )
    .max(256),
});

export const gitSyncReport = z.looseObject({
  repo: text,
  ref: text,
  period_seconds: z.number().nonnegative(),
  synced: z.string().max(64).nullable(),
  lastError: text.nullable(),
  timeline: z
    .array(
      z.object({
        at: time,
        event: z.enum(['fetched', 'published', 'failed']),
        sha: z.string().max(64).optional(),
        from: z.string().max(64).nullable().optional(),
        error: text.optional(),
      }),
    )
    .max(100),
});

export const adapterReport = z.looseObject({
  source: text,
  scrapes: count,
  last_scrape: z
    .object({
      at: time,
      ok: z.boolean(),
      error: text.nullable(),
      from: text.nullable(),
      source_json: z
        .string()
        .max(64 * 1024)
        .nullable(),
      exposition: z.string().max(64 * 1024),
    })
    .nullable(),
});

export const configInitReport = z.looseObject({
  fetched_at: time,
  sources: z
    .array(z.object({ url: text, file: text, attempts: count, status: z.number().int(), bytes: count }))
    .max(64),
});

export type RedisReport = z.output<typeof redisReport>;
export type HttpReport = z.output<typeof httpReport>;
export type GitSyncReport = z.output<typeof gitSyncReport>;
export type AdapterReport = z.output<typeof adapterReport>;
export type ConfigInitReport = z.output<typeof configInitReport>;

/** Each kind by the fields only it has; the first that parses is the document's kind. */
export const helperReport = z.union([
  redisReport.transform((r) => ({ kind: 'redis' as const, ...r })),
  httpReport.transform((r) => ({ kind: 'http' as const, ...r })),
  gitSyncReport.transform((r) => ({ kind: 'git-sync' as const, ...r })),
  adapterReport.transform((r) => ({ kind: 'adapter' as const, ...r })),
  configInitReport.transform((r) => ({ kind: 'config-init' as const, ...r })),
]);

export type HelperReport = z.output<typeof helperReport>;
