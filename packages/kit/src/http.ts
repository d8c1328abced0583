// Creating, starting and stopping node:http servers the same way in every service. Every port
// is reachable by someone hostile, so a server made here never lets a request take the process
// down: a handler that throws or rejects answers 500, a request Node cannot parse answers 400,
// and slow or oversized requests are cut by the limits below.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ListenAddress } from './env-fields.js';
import type { Logger } from './logger.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The limits every server of ours holds, whatever Node's defaults are at the time: a client has
 * 10 s to send its headers and 30 s for the whole request, and at most 100 headers.
 */
export const SERVER_LIMITS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  maxHeadersCount: 100,
} as const;

/**
 * A node:http server whose handler can throw (synchronously or in a promise) without taking
 * the process with it: the error is logged and answered 500, or the connection cut when the
 * headers were already sent.
 */
export function createHttpServer(handler: RequestHandler, logger?: Logger): Server {
  const server = createServer(
    { headersTimeout: SERVER_LIMITS.headersTimeout, requestTimeout: SERVER_LIMITS.requestTimeout },
    (req, res) => guard(() => handler(req, res), res, logger, req.url),
  );
  server.maxHeadersCount = SERVER_LIMITS.maxHeadersCount;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A malformed request line, bad headers, a header timeout: 400 (431 for too large) and close.
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return server;
}

/** Runs a handler (also an `upgrade` one) so that its throw or rejection is answered, not fatal. */
export function guard(run: () => unknown, res: ServerResponse | Socket, logger?: Logger, url?: string): void {
  const fail = (error: unknown) => {
    logger?.error({ err: error, url }, 'request handler failed');
    if ('headersSent' in res && !res.headersSent && !res.destroyed) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end('{"error":"internal error"}\n');
    } else if ('headersSent' in res) {
      res.destroy();
    } else if (res.writable) {
      res.end('HTTP/1.1 500 Internal Server Error\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } else {
      res.destroy();
    }
  };
  try {
    const result = run();
    if (result instanceof Promise) result.catch(fail);
  } catch (error) {
    fail(error);
  }
}

/**
 * The path of a request target, without its query, as sent: no URL parsing, which throws on
 * targets such as `//` or `http://a:99999/`.
 */
export function requestPath(req: IncomingMessage): string {
  const target = req.url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Listens and resolves with the bound address (the real port when 0 was asked for). */
export function listen(server: Server, address: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections and lets requests already accepted finish. Idle keep-alive
 * connections are closed as they become idle; whatever is still open after `timeoutMs` is cut.
 */
export function closeServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
