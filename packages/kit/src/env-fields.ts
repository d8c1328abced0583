// Field types that environment variables need and zod does not have: text in, typed value out,
// with the default written as the user would write it (so `--help` shows `10s`, not `10000`).
import { z } from 'zod';
import { parseDuration } from './duration.js';

/** A duration such as `10s` or `1m30s`, parsed to milliseconds. */
export function duration(description: string, fallback?: string) {
  const field = z
    .string()
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 500ms, 10s or 1m30s, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(description);
  return fallback === undefined ? field : field.prefault(fallback);
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/**
 * `true`/`false` (also 1/0, yes/no, on/off). zod's coerce.boolean would read "false" as true.
 * Marked `boolean` in its metadata, since its input is text: a command line may give it alone.
 */
export function bool(description: string, fallback: boolean) {
  return z
    .string()
    .transform((text, ctx) => {
      const lower = text.trim().toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${text}"` });
      return z.NEVER;
    })
    .prefault(String(fallback))
    .meta({ description, boolean: true });
}

/** A whole number within bounds. */
export function integer(description: string, fallback: number | undefined, min: number, max: number) {
  const field = z.coerce.number().int().min(min).max(max).describe(description);
  return fallback === undefined ? field : field.prefault(fallback);
}

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * `host:port`, `[::1]:port`, or `:port` for every address (Go's form, which git-sync's v4 flags
 * use); undefined when the text is none of them. Port 0 asks the OS for a free one, as tests do.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  if (!match || Number(match[3]) > 65535) return undefined;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port: Number(match[3]) };
}

function notAnAddress(ctx: z.RefinementCtx, text: string): never {
  ctx.addIssue({ code: 'custom', message: `expected host:port such as 0.0.0.0:8080 or :8080, got "${text}"` });
  return z.NEVER;
}

/** Where a server listens. */
export function listen(description: string, fallback: string) {
  return z
    .string()
    .transform((text, ctx) => parseListenAddress(text) ?? notAnAddress(ctx, text))
    .prefault(fallback)
    .describe(description);
}

/** Where a server that can be turned off listens: `off` (or empty) is undefined. */
export function listenOrOff(description: string, fallback: string) {
  return z
    .string()
    .transform((text, ctx) =>
      ['', 'off'].includes(text.trim()) ? undefined : (parseListenAddress(text) ?? notAnAddress(ctx, text)),
    )
    .prefault(fallback)
    .describe(description);
}

/** A comma-separated list; blanks dropped. */
export function list(description: string, fallback?: string) {
  const field = z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
    .describe(description);
  return fallback === undefined ? field : field.prefault(fallback);
}

/**
 * A value that must never be logged. `fileOnly` secrets are accepted only as NAME_FILE (a mounted
 * Secret), never as a plain variable, which would show in `kubectl describe` and /proc.
 */
export function secret<T extends z.ZodType>(field: T, options: { fileOnly?: boolean } = {}): T {
  return field.meta({ secret: true, ...(options.fileOnly ? { fileOnly: true } : {}) }) as T;
}

/** An absolute or relative URL with one of the given schemes. */
export function url(description: string, schemes: string[], fallback?: string) {
  const field = z
    .string()
    .refine(
      (text) => {
        try {
          return schemes.includes(new URL(text).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `expected a ${schemes.join(' or ')} URL` },
    )
    .describe(description);
  return fallback === undefined ? field : field.prefault(fallback);
}
