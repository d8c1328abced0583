// The decimal integers of RESP headers (`*<count>`, `$<length>`), read straight from the bytes.
import { MINUS, NINE, ZERO } from './bytes.js';

/**
 * The integer in buf[start, end): an optional '-' and 1 to `maxDigits` digits, or NaN for
 * anything else. No string is made, and no digit count can overflow a double's exact range.
 */
export function integerAt(buf: Buffer, start: number, end: number, maxDigits: number): number {
  const negative = buf[start] === MINUS;
  let i = negative ? start + 1 : start;
  if (i === end || end - i > maxDigits) return Number.NaN;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < ZERO || c > NINE) return Number.NaN;
    n = n * 10 + (c - ZERO);
  }
  return negative ? -n : n;
}
