// The bytes RESP is framed with, by name: `buf[pos] === ARRAY` says what `buf[pos] === 42` hides.

export const CR = 0x0d; // '\r'
export const LF = 0x0a; // '\n'

/** The first byte of every RESP value says what it is. */
export const ARRAY = 0x2a; // '*'
export const BULK = 0x24; // '$'
export const SIMPLE = 0x2b; // '+'
export const ERROR = 0x2d; // '-'
export const INTEGER = 0x3a; // ':'

/** Inside a number: its sign and its digits. */
export const MINUS = 0x2d; // '-'
export const ZERO = 0x30; // '0'
export const NINE = 0x39; // '9'

/** A reply the server (or the ambassador) gave as an error: `-ERR ...`. */
export function isError(reply: Buffer): boolean {
  return reply[0] === ERROR;
}

/** Where the value after a header line (`*3\r\n`, `$5\r\n`) starts. */
export function afterHeader(reply: Buffer): number {
  return reply.indexOf(LF) + 1;
}
