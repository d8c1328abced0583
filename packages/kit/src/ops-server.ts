// The operations endpoints the kubelet and Prometheus call: /healthz (liveness: the process
// answers), /readyz (readiness, from registered checks) and /metrics, in the format the scraper
// asks for (text or OpenMetrics). Services that need more
// on the same port (git-sync's `/`) pass extra routes.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './env-fields.js';
import { closeServer, createHttpServer, listen, requestPath } from './http.js';
import type { Logger } from './logger.js';
import { negotiateMetricsFormat, renderMetrics } from './metrics-format.js';
import type { Readiness } from './readiness.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface OpsServerOptions {
  listen: ListenAddress;
  readiness: Readiness;
  registry?: Registry;
  logger?: Logger;
  /** Extra handlers by path; they take precedence over the built-in ones. */
  routes?: Record<string, Route>;
}

export interface OpsServer {
  server: Server;
  address: AddressInfo;
  close(timeoutMs?: number): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * /healthz (the process answers) and /readyz (every check passes). Also for a service whose
 * probes must be on its main port, which the kubelet reaches (web's): the same handlers.
 */
export function probeRoutes(readiness: Readiness): Record<'/healthz' | '/readyz', Route> {
  return {
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      const report = await readiness.report();
      sendJson(res, report.ready ? 200 : 503, report);
    },
  };
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { readiness, registry, logger, routes = {} } = options;
  const builtIn: Record<string, Route> = probeRoutes(readiness);
  if (registry) {
    builtIn['/metrics'] = async (req, res) => {
      const { contentType, body } = await renderMetrics(registry, negotiateMetricsFormat(req.headers.accept));
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    };
  }
  const table = { ...builtIn, ...routes };

  const server = createHttpServer(async (req, res) => {
    const path = requestPath(req);
    const route = table[path];
    if (!route) return sendJson(res, 404, { error: 'no such route' });
    await route(req, res);
  }, logger);
  const address = await listen(server, options.listen);
  return { server, address, close: (timeoutMs = 5000) => closeServer(server, timeoutMs) };
}
