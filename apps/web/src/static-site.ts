// Serves the synced site. Every path is checked twice: its segments (path-guard.ts), then the
// real path of the file, which must stay inside the revision's root, because a symlink in the
// repository may point anywhere (to /etc/passwd, say). Links that stay inside are fine.
//
// Small files of a git-sync revision are then served from memory (file-cache.ts). A repeat
// request for one is answered by `serveCached` straight on node:http, before express: the
// checks above and the security headers are the same, at a fraction of the cost. Large files,
// and everything from a plain folder, are streamed by express's sendFile (with Range support).
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import fresh from 'fresh';
import type { ContentSource, Revision } from './content.js';
import type { CachedFile, FileCache } from './file-cache.js';
import { type GuardResult, guardPath } from './path-guard.js';
import { SECURITY_HEADERS } from './security-headers.js';

export interface SiteOptions {
  content: ContentSource;
  cache: FileCache;
  cacheMaxAgeMs: number;
  notFound: (req: Request, res: Response) => void;
  noContent: (req: Request, res: Response) => void;
  badRequest: (req: Request, res: Response, reason: string) => void;
  /** Called for every HTML page served with 200 or 304, with its canonical path. */
  onPageView: (path: string) => void;
  onEscape: (path: string, target: string) => void;
}

export interface Site {
  /** The express handler: checks, resolves, caches, serves or streams. */
  handler: RequestHandler;
  /** Serves a cache hit on plain node:http and returns true; false means "not a hit, ask express". */
  serveCached(req: IncomingMessage, res: ServerResponse): boolean;
}

interface Target {
  rawPath: string;
  guard: GuardResult;
  pagePath: string;
  directoryRequest: boolean;
}

function target(url: string): Target {
  const rawPath = url.split('?')[0] ?? '/';
  const guard = guardPath(rawPath);
  const directoryRequest = rawPath.endsWith('/');
  const segments = guard.ok ? guard.segments : [];
  const pagePath = `/${segments.join('/')}${directoryRequest && segments.length > 0 ? '/' : ''}`;
  return { rawPath, guard, pagePath, directoryRequest };
}

export function createSite(options: SiteOptions): Site {
  const { content, cache, notFound } = options;
  content.onChange(() => cache.clear());
  const cacheControl = `public, max-age=${Math.floor(options.cacheMaxAgeMs / 1000)}`;

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    file: CachedFile,
    revision: Revision,
    pagePath: string,
  ): void {
    const notModified = fresh(req.headers, { etag: file.etag, 'last-modified': file.lastModified });
    // Built once per cached file (the cache is per revision), not once per request.
    file.headers ??= {
      ok: { ...SECURITY_HEADERS, ...fileHeaders(file, revision), 'content-length': String(file.body.length) },
      notModified: { ...SECURITY_HEADERS, ...fileHeaders(file, revision) },
    };
    res.writeHead(notModified ? 304 : 200, notModified ? file.headers.notModified : file.headers.ok);
    res.end(notModified || req.method === 'HEAD' ? undefined : file.body);
    if (file.html) options.onPageView(pagePath);
  }

  function fileHeaders(file: CachedFile, revision: Revision): Record<string, string> {
    return {
      'cache-control': cacheControl,
      etag: file.etag,
      'last-modified': file.lastModified,
      'content-type': file.contentType,
      'x-content-revision': revision.sha,
    };
  }

  function serveCached(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const revision = content.current();
    if (!revision?.immutable) return false;
    const { guard, pagePath } = target(req.url ?? '/');
    if (!guard.ok) return false;
    const file = cache.get(revision.sha, pagePath);
    if (!file) return false;
    send(req, res, file, revision, pagePath);
    return true;
  }

  const handler: RequestHandler = async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('allow', 'GET, HEAD').status(405).type('text/plain').send('method not allowed\n');
      return;
    }
    const revision = content.current();
    if (!revision) return options.noContent(req, res);

    // The raw path, as sent: the URL parser would quietly resolve `..` and `%2e%2e` away.
    const { rawPath, guard, pagePath, directoryRequest } = target(req.originalUrl);
    if (!guard.ok) return guard.status === 404 ? notFound(req, res) : options.badRequest(req, res, guard.reason);

    let cached = revision.immutable ? cache.get(revision.sha, pagePath) : undefined;
    if (!cached) {
      const file = await resolveInside(revision, guard.segments, (real) => options.onEscape(rawPath, real));
      if (!file) return notFound(req, res);
      if (file.directory && !directoryRequest) {
        // One leading slash: `//docs/` in a Location is another host (a protocol-relative URL).
        res.redirect(301, `/${rawPath.replace(/^\/+/, '')}/${req.originalUrl.slice(rawPath.length)}`);
        return;
      }
      if (revision.immutable) cached = await cache.load(revision.sha, pagePath, file.path, file.size, file.mtime);
      if (!cached) return streamFile(req, res, file.path, revision, pagePath);
    }
    send(req, res, cached, revision, pagePath);
  };

  function streamFile(req: Request, res: Response, path: string, revision: Revision, pagePath: string): void {
    res.set('x-content-revision', revision.sha);
    res.sendFile(
      path,
      { maxAge: options.cacheMaxAgeMs, etag: true, lastModified: true, dotfiles: 'allow' },
      (error) => {
        if (error) {
          if (!res.headersSent) notFound(req, res); // the old worktree was removed mid-request
          return;
        }
        if (path.endsWith('.html') && (res.statusCode === 200 || res.statusCode === 304)) options.onPageView(pagePath);
      },
    );
  }

  return { handler, serveCached };
}

interface ResolvedFile {
  path: string;
  size: number;
  mtime: Date;
  /** The request named a directory; `path` is its index.html. */
  directory: boolean;
}

async function resolveInside(
  revision: Revision,
  segments: string[],
  onEscape: (real: string) => void,
): Promise<ResolvedFile | undefined> {
  const inside = (real: string) => real === revision.root || real.startsWith(`${revision.root}/`);
  let real: string;
  try {
    real = await realpath(join(revision.root, ...segments));
  } catch {
    return undefined;
  }
  if (!inside(real)) {
    onEscape(real);
    return undefined;
  }
  let info = await stat(real);
  let directory = false;
  if (info.isDirectory()) {
    directory = true;
    try {
      real = await realpath(join(real, 'index.html'));
      info = await stat(real);
    } catch {
      return undefined;
    }
    if (!inside(real)) {
      onEscape(real);
      return undefined;
    }
  }
  return info.isFile() ? { path: real, size: info.size, mtime: info.mtime, directory } : undefined;
}
