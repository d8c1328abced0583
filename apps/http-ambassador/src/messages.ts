// What passes between the app and the upstream, and what must not: hop-by-hop headers, the
// injected credential on its way back, a request body beyond the limit, a request target that is
// not a path. And the ambassador's own error answers, told apart by `x-ambassador-error`.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBoundedBody } from '@pod-patterns/kit';

// RFC 9110 7.6.1: meaningful for one connection only, never forwarded. (Upgrade is kept for ws.)
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The ambassador's own answer, told apart from an upstream's by `x-ambassador-error`. */
export function fail(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-ambassador-error': error,
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(`${JSON.stringify({ error, message })}\n`);
}

export function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  if (headers.connection)
    for (const listed of String(headers.connection).split(',')) delete out[listed.trim().toLowerCase()];
  return out;
}

/**
 * Removes, in place, every header whose value carries the credential: a credential is never
 * handed back to the app, even by an upstream that echoes it (in a response or a 101 upgrade).
 */
export function scrubCredential(headers: IncomingHttpHeaders, authorization: string | undefined): void {
  if (!authorization) return;
  const secret = authorization.split(' ')[1] ?? authorization;
  for (const [name, value] of Object.entries(headers)) if (String(value).includes(secret)) delete headers[name];
}

/**
 * Only a path is proxied (origin-form, RFC 9112 3.2.1): the app calls the ambassador as its API.
 * An absolute-form target (`http://host/`) asks for a forward proxy, which this is not, and
 * `*` or an authority names no resource; both get 400 before any upstream is chosen.
 */
export function isPathTarget(target: string | undefined): boolean {
  return target?.startsWith('/') === true;
}

const EMPTY = Buffer.alloc(0);

/** Reads the request body into memory, or undefined (after answering 413) when it is too large. */
export async function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | undefined> {
  // No Content-Length and no Transfer-Encoding: HTTP/1.1 says there is no body (RFC 9112 6.3).
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return EMPTY;
  try {
    // Drained, not destroyed, when too large: the client reads the 413 once it has sent the rest.
    return await readBoundedBody(req, limit, { contentLength: req.headers['content-length'], overLimit: 'drain' });
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    fail(res, 413, 'body_too_large', `request bodies are limited to ${limit} bytes (MAX_BODY_BYTES)`, {
      connection: 'close',
    });
    return undefined;
  }
}
