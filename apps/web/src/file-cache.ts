// Small site files kept in memory, keyed by revision and path. A git-sync worktree never changes
// once published, so an entry is valid for as long as its revision is served: no revalidation,
// no stat per request. The cache is bounded by bytes and emptied when the revision changes.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import etag from 'etag';
import { LRUCache } from 'lru-cache';
import { contentType } from 'mime-types';

export interface CachedFile {
  body: Buffer;
  etag: string;
  lastModified: string;
  contentType: string;
  html: boolean;
  /** The response headers, filled in by the site on first use. */
  headers?: { ok: Record<string, string>; notModified: Record<string, string> };
}

export class FileCache {
  readonly #entries: LRUCache<string, CachedFile> | undefined;

  /** `maxBytes` 0 turns caching off; files over `maxFileBytes` are always streamed from disk. */
  constructor(
    maxBytes: number,
    readonly maxFileBytes = Math.min(256 * 1024, maxBytes),
  ) {
    this.#entries =
      maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (file) => file.body.length + 256 }) : undefined;
  }

  get(sha: string, path: string): CachedFile | undefined {
    return this.#entries?.get(`${sha}\0${path}`);
  }

  /** Reads the file into the cache if it fits; returns the entry, or undefined to stream it. */
  async load(sha: string, path: string, realPath: string, size: number, mtime: Date): Promise<CachedFile | undefined> {
    if (!this.#entries || size > this.maxFileBytes) return undefined;
    const body = await readFile(realPath);
    const ext = extname(realPath);
    const file: CachedFile = {
      body,
      etag: etag(body),
      lastModified: mtime.toUTCString(),
      contentType: contentType(ext) || 'application/octet-stream',
      html: ext === '.html',
    };
    this.#entries.set(`${sha}\0${path}`, file);
    return file;
  }

  clear(): void {
    this.#entries?.clear();
  }
}
