// Client requests in RESP2: arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`), or inline
// commands (`GET k\r\n`, what telnet and some tools send). Each command keeps the raw bytes it
// arrived as, so a command bound for one server is forwarded as is, never re-encoded. Every
// size is bounded; anything malformed is a ProtocolError, and the connection is closed after
// its error reply, because a stream cannot be resynchronised after a framing error.
import { integerAt } from './integer.js';

/**
 * One command: its bytes and its argument count. Argument buffers are made only when asked
 * for, by stepping over the `$<length>` headers (checked when the command was parsed): most
 * commands need just the name (and, when sharded, the key), and at one small command per
 * read, a view for every argument was most of the proxy's garbage.
 */
export class Command {
  #args: Buffer[] | undefined;
  #foundEnd = 0;

  constructor(
    /** The command's bytes, RESP, exactly as received or re-encoded from an inline command. */
    readonly raw: Buffer,
    readonly argc: number,
  ) {}

  /** The command name, upper-cased. */
  get name(): string {
    const start = this.#find(0);
    return this.raw.toString('latin1', start, this.#foundEnd).toUpperCase();
  }

  /** Argument `i` (0 is the name) as a view into `raw`. */
  arg(i: number): Buffer | undefined {
    if (i >= this.argc) return undefined;
    const start = this.#find(i);
    return this.raw.subarray(start, this.#foundEnd);
  }

  /** Every argument; args[0] is the name. */
  get args(): Buffer[] {
    if (!this.#args) {
      this.#args = [];
      let next = this.raw.indexOf(10) + 1; // past `*<count>\r\n`
      for (let i = 0; i < this.argc; i++) {
        const start = this.#dataStart(next);
        this.#args.push(this.raw.subarray(start, this.#foundEnd));
        next = this.#foundEnd + 2;
      }
    }
    return this.#args;
  }

  /** Where argument `i`'s bytes start; where they end is left in #foundEnd (no pair allocated). */
  #find(i: number): number {
    let next = this.raw.indexOf(10) + 1; // past `*<count>\r\n`
    let start = this.#dataStart(next);
    for (let n = 0; n < i; n++) {
      next = this.#foundEnd + 2;
      start = this.#dataStart(next);
    }
    return start;
  }

  /** Reads the `$<length>\r\n` header at `header`: returns where the data starts, and sets #foundEnd. */
  #dataStart(header: number): number {
    let len = 0;
    let pos = header + 1;
    for (; this.raw[pos] !== CR; pos++) len = len * 10 + (this.raw[pos] as number) - 48;
    this.#foundEnd = pos + 2 + len;
    return pos + 2;
  }
}

export class ProtocolError extends Error {}

export interface ParserLimits {
  /** Largest bulk string (one argument). */
  maxBulkBytes: number;
  /** Most arguments in one command. */
  maxArgs: number;
  /** Longest inline command line. */
  maxInlineBytes: number;
}

const CR = 13;
const STAR = 42;
const DOLLAR = 36;
const EMPTY = Buffer.alloc(0);
/** A client's lengths and counts: every limit fits in 10 digits. */
const MAX_DIGITS = 10;
const INCOMPLETE = Symbol('incomplete');
const IGNORED = Symbol('ignored');

export class RequestParser {
  #buf: Buffer = EMPTY;
  /** Where the command just parsed ends: set by #multibulk and #inline, so no result object per command. */
  #end = 0;

  constructor(private readonly limits: ParserLimits) {}

  /**
   * Adds received bytes and hands each complete command they finish to `onCommand`, in order,
   * as it is parsed (no array per read: at one command per read, that array was most of it).
   */
  push(chunk: Buffer, onCommand: (command: Command) => void): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let pos = 0;
    while (pos < this.#buf.length) {
      const command = this.#buf[pos] === STAR ? this.#multibulk(pos) : this.#inline(pos);
      if (command === INCOMPLETE) break;
      if (command !== IGNORED) onCommand(command);
      pos = this.#end;
    }
    this.#buf = pos >= this.#buf.length ? EMPTY : this.#buf.subarray(pos);
    if (this.#buf.length > this.limits.maxBulkBytes + this.limits.maxInlineBytes) {
      throw new ProtocolError('request too large');
    }
  }

  /** Bytes received but not yet part of a complete command. */
  get pending(): number {
    return this.#buf.length;
  }

  #line(pos: number): number {
    const cr = this.#buf.indexOf(CR, pos);
    if (cr < 0 || cr + 1 >= this.#buf.length) return -1;
    if (this.#buf[cr + 1] !== 10) throw new ProtocolError("expected '\\n' after '\\r'");
    return cr;
  }

  #integer(start: number, end: number, what: string): number {
    const n = integerAt(this.#buf, start, end, MAX_DIGITS);
    if (Number.isNaN(n)) throw new ProtocolError(`invalid ${what}`);
    return n;
  }

  #multibulk(start: number): Command | typeof INCOMPLETE | typeof IGNORED {
    const buf = this.#buf;
    const headerEnd = this.#line(start + 1);
    if (headerEnd < 0) {
      if (buf.length - start > 32) throw new ProtocolError('invalid multibulk length');
      return INCOMPLETE;
    }
    const count = this.#integer(start + 1, headerEnd, 'multibulk length');
    if (count > this.limits.maxArgs) throw new ProtocolError(`too many arguments (limit ${this.limits.maxArgs})`);
    let pos = headerEnd + 2;
    if (count <= 0) {
      this.#end = pos; // `*0` and `*-1` are ignored, as Redis does
      return IGNORED;
    }
    for (let i = 0; i < count; i++) {
      if (pos >= buf.length) return INCOMPLETE;
      if (buf[pos] !== DOLLAR)
        throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos] as number)}'`);
      const lenEnd = this.#line(pos + 1);
      if (lenEnd < 0) {
        if (buf.length - pos > 32) throw new ProtocolError('invalid bulk length');
        return INCOMPLETE;
      }
      const len = this.#integer(pos + 1, lenEnd, 'bulk length');
      if (len < 0 || len > this.limits.maxBulkBytes) {
        throw new ProtocolError(
          len < 0 ? 'invalid bulk length' : `argument too large (limit ${this.limits.maxBulkBytes} bytes)`,
        );
      }
      const dataStart = lenEnd + 2;
      if (dataStart + len + 2 > buf.length) return INCOMPLETE;
      if (buf[dataStart + len] !== CR || buf[dataStart + len + 1] !== 10)
        throw new ProtocolError('bulk string not terminated by CRLF');
      pos = dataStart + len + 2;
    }
    this.#end = pos;
    // A read that is exactly one command (the usual case without pipelining) is used as is.
    return new Command(start === 0 && pos === buf.length ? buf : buf.subarray(start, pos), count);
  }

  #inline(start: number): Command | typeof INCOMPLETE | typeof IGNORED {
    const nl = this.#buf.indexOf(10, start);
    if (nl < 0) {
      if (this.#buf.length - start > this.limits.maxInlineBytes) throw new ProtocolError('inline command too long');
      return INCOMPLETE;
    }
    this.#end = nl + 1;
    const end = nl > start && this.#buf[nl - 1] === CR ? nl - 1 : nl;
    const text = this.#buf.subarray(start, end).toString('latin1');
    if (text.includes('"') || text.includes("'"))
      throw new ProtocolError('quoted inline arguments are not supported; send RESP');
    const words = text.split(/[ \t]+/).filter(Boolean);
    if (words.length === 0) return IGNORED; // an empty line is ignored, as Redis does
    if (words.length > this.limits.maxArgs)
      throw new ProtocolError(`too many arguments (limit ${this.limits.maxArgs})`);
    return new Command(encodeCommand(words.map((w) => Buffer.from(w, 'latin1'))), words.length);
  }
}

/** Encodes arguments as a RESP array of bulk strings. */
export function encodeCommand(args: (Buffer | string)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const data = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${data.length}\r\n`), data, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');
