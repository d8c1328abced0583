// The upstreams: one URL, or several with weights for experiment splitting (Burns' request-
// splitting ambassador). A pick is random by weight; in sticky mode the client's key (a header or
// cookie value) is hashed to a point on the weight line, so the same key keeps its variant.
import { createHash } from 'node:crypto';

export interface Upstream {
  name: string;
  url: URL;
  weight: number;
}

/**
 * `https://api.example.com` alone, or `url weight [name]` items separated by commas:
 * `https://a.example 90 stable, https://b.example 10 canary`. Names default to the URL's host.
 */
export function parseUpstreams(text: string): Upstream[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error('no upstream given');
  const upstreams = items.map((item, index) => {
    const [address = '', weightText, name, ...rest] = item.split(/\s+/);
    if (rest.length > 0) throw new Error(`upstream ${index + 1} ("${item}"): expected "url [weight] [name]"`);
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new Error(`upstream ${index + 1}: "${address}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`upstream ${index + 1}: ${url.protocol} is not http: or https:`);
    if (url.username || url.password)
      throw new Error(`upstream ${index + 1}: credentials in the URL would be logged; use AUTH_*_FILE`);
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isInteger(weight) || weight < 0 || weight > 10_000)
      throw new Error(`upstream ${index + 1}: weight "${weightText}" is not a whole number from 0 to 10000`);
    return { name: name ?? url.host, url, weight };
  });
  const names = upstreams.map((u) => u.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`upstream name "${twice}" is used twice; give each a name of its own`);
  if (upstreams.every((u) => u.weight === 0)) throw new Error('every upstream has weight 0');
  return upstreams;
}

/** The point in [0, 1) a sticky key maps to: the same key, the same point, on every replica. */
export function stickyPoint(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** The upstream at `point` (in [0, 1)) along the weights of `candidates`, or undefined if none has weight. */
export function pickByWeight<T extends { weight: number }>(candidates: T[], point: number): T | undefined {
  const total = candidates.reduce((sum, c) => sum + c.weight, 0);
  if (total === 0) return undefined;
  let left = point * total;
  for (const candidate of candidates) {
    if (left < candidate.weight) return candidate;
    left -= candidate.weight;
  }
  return candidates.findLast((c) => c.weight > 0);
}

export type Sticky = { kind: 'off' } | { kind: 'header' | 'cookie'; name: string };

export function parseSticky(text: string): Sticky {
  if (text === 'off' || text === '') return { kind: 'off' };
  const match = /^(header|cookie):([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(text);
  if (!match) throw new Error(`expected off, header:<name> or cookie:<name>, got "${text}"`);
  return { kind: match[1] as 'header' | 'cookie', name: (match[2] as string).toLowerCase() };
}

/** The client's sticky key from its request headers, or undefined when it sent none. */
export function stickyKey(sticky: Sticky, headers: Record<string, string | string[] | undefined>): string | undefined {
  if (sticky.kind === 'off') return undefined;
  if (sticky.kind === 'header') {
    const value = headers[sticky.name];
    return Array.isArray(value) ? value[0] : value;
  }
  const cookies = String(headers.cookie ?? '').split(';');
  for (const cookie of cookies) {
    const eq = cookie.indexOf('=');
    if (eq > 0 && cookie.slice(0, eq).trim().toLowerCase() === sticky.name) return cookie.slice(eq + 1).trim();
  }
  return undefined;
}
