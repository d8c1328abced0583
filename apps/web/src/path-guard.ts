// The site's files come from a git repository: untrusted input. A request path is turned into
// segments here, and refused unless every segment is a plain name. What this allows still gets
// a realpath check in static-site.ts, because a symlink in the repository can point anywhere.

export type GuardResult = { ok: true; segments: string[] } | { ok: false; status: 400 | 404; reason: string };

export function guardPath(rawPath: string): GuardResult {
  if (rawPath.includes('\\') || /%5c/i.test(rawPath)) return { ok: false, status: 400, reason: 'backslash in path' };
  if (rawPath.includes('\0') || /%00/.test(rawPath)) return { ok: false, status: 400, reason: 'NUL in path' };
  const segments: string[] = [];
  for (const encoded of rawPath.split('/')) {
    if (encoded === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (segment === '.' || segment === '..') return { ok: false, status: 400, reason: 'dot segment in path' };
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) {
      return { ok: false, status: 400, reason: 'encoded separator in path' };
    }
    // Dotfiles and .git are never served, and answer as if they did not exist.
    if (segment.startsWith('.')) return { ok: false, status: 404, reason: 'dotfile' };
    segments.push(segment);
  }
  return { ok: true, segments };
}
