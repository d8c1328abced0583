// Reading an HTTP body into memory without letting the other side fill it: config-init's fetch,
// the adapter's source, web's announcements and the HTTP ambassador's request bodies all do.
import type { Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

export interface BoundedBodyOptions {
  /** The Content-Length header, when there is one: a body declared too large is never read. */
  contentLength?: string | number | null;
  /**
   * What becomes of a body over the limit. A client destroys it (the default). A server that
   * answers 413 drains it instead: a client still sending would get a reset, not the answer.
   */
  overLimit?: 'destroy' | 'drain';
}

/**
 * The whole body, at most `maxBytes`, or a BodyTooLargeError as soon as it is known to be more.
 * Errors of the stream itself (a reset, a timeout) are thrown as they are.
 */
export async function readBoundedBody(
  body: Readable,
  maxBytes: number,
  { contentLength, overLimit = 'destroy' }: BoundedBodyOptions = {},
): Promise<Buffer> {
  const refuse = (message: string) => {
    if (overLimit === 'drain') body.resume();
    else body.destroy();
    return new BodyTooLargeError(message);
  };
  const declared = Number(contentLength ?? 0);
  if (declared > maxBytes) throw refuse(`the body is ${declared} bytes, over the limit of ${maxBytes}`);
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early pauses the stream and, with this option, leaves it open: what becomes
  // of the rest is `overLimit`'s to decide, once the loop is left.
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) break;
    chunks.push(chunk as Buffer);
  }
  if (size > maxBytes) throw refuse(`the body goes past the limit of ${maxBytes} bytes`);
  return Buffer.concat(chunks);
}
