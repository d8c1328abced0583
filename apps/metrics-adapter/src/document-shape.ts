// A bound on what a source document costs before it is parsed. ADAPTER_SOURCE_MAX_BYTES bounds
// its size, but not its cost: under the manifest's 96 MB heap, 10 MB of nested arrays, or
// 300,000 routes in 6.8 MB, ran the adapter out of memory in JSON.parse and the mapping. One
// pass over the bytes counts the nesting and the values, and a document past either limit is a
// failed scrape with a reason, like any other bad source.

export interface ShapeLimits {
  maxDepth: number;
  maxValues: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/** Why the JSON text is past the limits, or undefined. Malformed JSON is left to JSON.parse. */
export function shapeProblem(json: Uint8Array, limits: ShapeLimits): string | undefined {
  let depth = 0;
  let values = 1; // separators counted: a document of n values has n - 1 commas, at any depth
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i] as number;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      if (++depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels (ADAPTER_SOURCE_MAX_DEPTH)`;
    } else if (CLOSERS.has(byte)) {
      depth--;
    } else if (byte === COMMA && ++values > limits.maxValues) {
      return `more than ${limits.maxValues} values (ADAPTER_SOURCE_MAX_VALUES)`;
    }
  }
  return undefined;
}
