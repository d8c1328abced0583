// The public server: every request is timed into the app's own stats; a cached site file is
// served at once (static-site.ts), and everything else goes to the express app: probes, the
// /_pod dashboard and the rest of the site, with helmet's security headers on all of it.
import type { Server } from 'node:http';
import { createHttpServer, type Logger, probeRoutes, type Readiness } from '@pod-patterns/kit';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { type AppConfigHolder, publicSite } from './app-config.js';
import type { ContentSource } from './content.js';
import { dashboardBody, dashboardPage, LIVE_SCRIPT, manifestPage } from './dashboard.js';
import type { FileCache } from './file-cache.js';
import { errorPage, noContentPage, notFoundPage } from './pages.js';
import { PodFeed } from './pod-feed.js';
import type { PodManifest } from './pod-manifest.js';
import type { PodStatusReader } from './pod-status.js';
import { securityMiddleware } from './security-headers.js';
import { createSite } from './static-site.js';
import type { RouteClass, Stats } from './stats.js';
import { TrafficSender } from './traffic.js';
import type { VisitCounter } from './visits.js';

export interface AppDeps {
  appConfig: AppConfigHolder;
  content: ContentSource;
  visits: VisitCounter;
  stats: Stats;
  readiness: Readiness;
  podStatus: PodStatusReader;
  manifest: PodManifest;
  logger: Logger;
  cache: FileCache;
  cacheMaxAgeMs: number;
}

/** A form post from this app's own page: no cross-site fetch metadata, and an Origin, if sent, of this host. */
function fromThisSite(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false; // "null" (a sandboxed page) or garbage
  }
}

function routeClass(path: string): RouteClass {
  if (path === '/healthz' || path === '/readyz') return 'probe';
  if (path === '/_pod' || path.startsWith('/_pod/')) return 'dashboard';
  return 'site';
}

export interface WebServer {
  server: Server;
  /** The open /_pod dashboards' streams: ended on shutdown, so the server can close. */
  feed: PodFeed;
}

export function createWebServer(deps: AppDeps): WebServer {
  const { appConfig, content, visits, stats, readiness, podStatus, logger } = deps;
  const site = createSite({
    content,
    cache: deps.cache,
    cacheMaxAgeMs: deps.cacheMaxAgeMs,
    notFound: sendNotFound,
    noContent: (_req, res) => {
      res
        .status(503)
        .set({ 'retry-after': '5', 'cache-control': 'no-store' })
        .type('html')
        .send(noContentPage(content.link));
    },
    badRequest: (_req, res, reason) => {
      res
        .status(400)
        .set('cache-control', 'no-store')
        .type('html')
        .send(errorPage(400, `Bad request: ${reason}.`));
    },
    onPageView: (path) => countView(path),
    onEscape: (path, target) => logger.warn({ path, target }, 'refused a path that resolves outside the content root'),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityMiddleware);

  // The kubelet probes the site's own port (the stats port is loopback): the kit's handlers.
  for (const [path, route] of Object.entries(probeRoutes(readiness))) app.get(path, route);

  const dashboardEnabled = () => appConfig.current.values.features.podDashboard !== false;
  app.get('/_pod/status', async (_req, res) => {
    if (!dashboardEnabled()) return sendNotFound(_req, res);
    res.set('cache-control', 'no-store').json(await podStatus.read());
  });
  const feed = new PodFeed(async () => {
    const { title, greeting } = publicSite(appConfig.current.values);
    return dashboardBody(await podStatus.read(), title, greeting).text;
  });
  app.get('/_pod/events', (req, res) => {
    if (!dashboardEnabled()) return sendNotFound(req, res);
    feed.listen(req, res);
  });
  app.get('/_pod/live.js', (_req, res) => {
    res.type('js').set('cache-control', 'no-cache').send(LIVE_SCRIPT);
  });
  app.get('/_pod/manifest', (req, res) => {
    if (!dashboardEnabled()) return sendNotFound(req, res);
    const match = /^(\d{1,6})-(\d{1,6})$/.exec(String(req.query.lines ?? ''));
    const lines = match ? { from: Number(match[1]), to: Number(match[2]) } : undefined;
    res.set('cache-control', 'no-store').type('html').send(manifestPage(deps.manifest, lines));
  });
  // The page's one action: a bounded batch of views of this app's own home page.
  const traffic = new TrafficSender(() => {
    const address = server.address();
    if (typeof address !== 'object' || !address) return 'http://127.0.0.1:0/';
    const wildcard = address.address === '0.0.0.0' || address.address === '::';
    const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}/`;
  });
  app.post('/_pod/traffic', (req, res) => {
    if (!dashboardEnabled()) return sendNotFound(req, res);
    // Another site's page may not press the button for its visitors.
    if (!fromThisSite(req)) {
      return void res
        .status(403)
        .set('cache-control', 'no-store')
        .type('html')
        .send(errorPage(403, 'Traffic can only be sent from this pod’s own /_pod page.'));
    }
    const outcome = traffic.send();
    if (!outcome.started) {
      res
        .status(429)
        .set({ 'retry-after': String(outcome.retryAfterSeconds), 'cache-control': 'no-store' })
        .type('html')
        .send(errorPage(429, `One batch at a time: try again in ${outcome.retryAfterSeconds} s, from /_pod.`));
      return;
    }
    res.redirect(303, '/_pod');
  });
  app.get('/_pod', async (req, res) => {
    if (!dashboardEnabled()) return sendNotFound(req, res);
    const { title, greeting } = publicSite(appConfig.current.values);
    res
      .set('cache-control', 'no-store')
      .type('html')
      .send(dashboardPage(await podStatus.read(), title, greeting));
    countView('/_pod');
  });

  function countView(path: string): void {
    if (appConfig.current.values.features.visitCounter !== false) visits.count(path);
  }

  function sendNotFound(req: Request, res: Response): void {
    res.status(404).set('cache-control', 'no-store').type('html').send(notFoundPage(req.path));
  }

  app.use(site.handler);

  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ err: error, path: req.path }, 'request failed');
    if (res.headersSent) return void res.destroy();
    res
      .status(status)
      .set('cache-control', 'no-store')
      .type('html')
      .send(errorPage(status, status === 500 ? 'Internal error.' : 'Bad request.'));
  };
  app.use(onError);

  // The kit's server: whatever a request does outside express, it cannot take the process down.
  const server = createHttpServer((req, res) => {
    const started = performance.now();
    // A cache hit is answered synchronously: timed without a per-request listener.
    if (site.serveCached(req, res)) {
      stats.observe('site', res.statusCode, performance.now() - started);
      return;
    }
    res.once('finish', () =>
      stats.observe(routeClass(req.url?.split('?')[0] ?? '/'), res.statusCode, performance.now() - started),
    );
    app(req, res);
  }, logger);
  return { server, feed };
}
