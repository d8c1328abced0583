// Client requests in RESP2: arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`), or inline
// commands (`GET k\r\n`, what telnet and some tools send). Each command keeps the raw bytes it
// arrived as, so a command bound for one server is forwarded as is, never re-encoded. Every
// size is bounded; anything malformed is a ProtocolError, and the connection is closed after
// its error reply, because a stream cannot be resynchronised after a framing error.
import { ARRAY, afterHeader, BULK, CR, LF, ZERO } from './bytes.js';
import { integerAt } from './integer.js';

/**
 * One command: its bytes and its argument count. Argument buffers are made only when asked
 * for, by stepping over the `$<length>` headers (checked when the command was parsed): most
 * commands need just the name (and, when sharded, the key), and at one small command per
 * read, a view for every argument was most of the proxy's garbage.
 */
export class Command {
  #args: Buffer[] | undefined;

  constructor(
    /** The command's bytes, RESP, exactly as received or re-encoded from an inline command. */
    readonly raw: Buffer,
    readonly argc: number,
  ) {}

  /** The command name, upper-cased. */
  get name(): string {
    const header = afterHeader(this.raw);
    const start = bulkStart(this.raw, header);
    return this.raw.toString('latin1', start, start + bulkLength(this.raw, header)).toUpperCase();
  }

  /** Argument `i` (0 is the name) as a view into `raw`. */
  arg(i: number): Buffer | undefined {
    if (i >= this.argc) return undefined;
    let header = afterHeader(this.raw);
    for (let n = 0; n < i; n++) header = nextBulk(this.raw, header);
    return bulkAt(this.raw, header);
  }

  /** Every argument; args[0] is the name. */
  get args(): Buffer[] {
    if (!this.#args) {
      this.#args = [];
      for (let i = 0, header = afterHeader(this.raw); i < this.argc; i++, header = nextBulk(this.raw, header)) {
        this.#args.push(bulkAt(this.raw, header));
      }
    }
    return this.#args;
  }
}

// Reading a bulk string of a command already checked by the parser, from its `$<length>\r\n`.

function bulkLength(raw: Buffer, header: number): number {
  let length = 0;
  for (let pos = header + 1; raw[pos] !== CR; pos++) length = length * 10 + (raw[pos] as number) - ZERO;
  return length;
}

function bulkStart(raw: Buffer, header: number): number {
  return raw.indexOf(CR, header + 1) + 2;
}

function bulkAt(raw: Buffer, header: number): Buffer {
  const start = bulkStart(raw, header);
  return raw.subarray(start, start + bulkLength(raw, header));
}

/** Where the next bulk string's header is: past this one's data and its CRLF. */
function nextBulk(raw: Buffer, header: number): number {
  return bulkStart(raw, header) + bulkLength(raw, header) + 2;
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

const EMPTY = Buffer.alloc(0);
/** A client's lengths and counts: every limit fits in 10 digits. */
const MAX_DIGITS = 10;
/** A header line longer than this without its CRLF is no number at all. */
const MAX_HEADER_BYTES = 32;
/** What the parsing steps return, as indexOf does, when the bytes end before the command does. */
const INCOMPLETE = -1;

export class RequestParser {
  #buf: Buffer = EMPTY;
  /**
   * A large argument arrives in many reads. Once its length is known, the reads are parked here
   * and joined once there are enough: joining the whole buffer on every read copied a 16 MiB
   * argument hundreds of times over.
   */
  #parked: Buffer[] = [];
  #parkedBytes = 0;
  /** How many bytes the command in progress needs in all, when a bulk length says (else 0). */
  #wanted = 0;

  constructor(private readonly limits: ParserLimits) {}

  /**
   * Adds received bytes and hands each complete command they finish to `onCommand`, in order,
   * as it is parsed (no array per read: at one command per read, that array was most of it).
   */
  push(chunk: Buffer, onCommand: (command: Command) => void): void {
    if (this.pending + chunk.length < this.#wanted) {
      this.#parked.push(chunk);
      this.#parkedBytes += chunk.length;
      return;
    }
    this.#buf = this.pending === 0 ? chunk : Buffer.concat([this.#buf, ...this.#parked, chunk]);
    this.#parked = [];
    this.#parkedBytes = 0;
    this.#wanted = 0;
    let pos = 0;
    while (pos < this.#buf.length) {
      const end = this.#buf[pos] === ARRAY ? this.#multibulk(pos, onCommand) : this.#inline(pos, onCommand);
      if (end === INCOMPLETE) break;
      pos = end;
    }
    this.#buf = pos >= this.#buf.length ? EMPTY : this.#buf.subarray(pos);
    if (this.#buf.length > this.limits.maxBulkBytes + this.limits.maxInlineBytes) {
      throw new ProtocolError('request too large');
    }
  }

  /** Bytes received but not yet part of a complete command. */
  get pending(): number {
    return this.#buf.length + this.#parkedBytes;
  }

  /** Where the CR ending the line that starts at `pos` is, or INCOMPLETE. */
  #lineEnd(pos: number): number {
    const cr = this.#buf.indexOf(CR, pos);
    if (cr < 0 || cr + 1 >= this.#buf.length) return INCOMPLETE;
    if (this.#buf[cr + 1] !== LF) throw new ProtocolError("expected '\\n' after '\\r'");
    return cr;
  }

  #integer(start: number, end: number, what: string): number {
    const n = integerAt(this.#buf, start, end, MAX_DIGITS);
    if (Number.isNaN(n)) throw new ProtocolError(`invalid ${what}`);
    return n;
  }

  /**
   * `*<count>\r\n` and that many bulk strings, at `start`: hands the command on and returns
   * where it ends, or INCOMPLETE.
   */
  #multibulk(start: number, onCommand: (command: Command) => void): number {
    const buf = this.#buf;
    const headerEnd = this.#lineEnd(start + 1);
    if (headerEnd === INCOMPLETE) {
      if (buf.length - start > MAX_HEADER_BYTES) throw new ProtocolError('invalid multibulk length');
      return INCOMPLETE;
    }
    const count = this.#integer(start + 1, headerEnd, 'multibulk length');
    if (count > this.limits.maxArgs) throw new ProtocolError(`too many arguments (limit ${this.limits.maxArgs})`);
    let pos = headerEnd + 2;
    if (count <= 0) return pos; // `*0` and `*-1` are ignored, as Redis does
    for (let i = 0; i < count; i++) {
      if (pos >= buf.length) return INCOMPLETE;
      if (buf[pos] !== BULK) throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos] as number)}'`);
      const lengthEnd = this.#lineEnd(pos + 1);
      if (lengthEnd === INCOMPLETE) {
        if (buf.length - pos > MAX_HEADER_BYTES) throw new ProtocolError('invalid bulk length');
        return INCOMPLETE;
      }
      const length = this.#integer(pos + 1, lengthEnd, 'bulk length');
      if (length < 0 || length > this.limits.maxBulkBytes) {
        throw new ProtocolError(
          length < 0 ? 'invalid bulk length' : `argument too large (limit ${this.limits.maxBulkBytes} bytes)`,
        );
      }
      const dataEnd = lengthEnd + 2 + length;
      if (dataEnd + 2 > buf.length) {
        this.#wanted = dataEnd + 2 - start; // the unparsed bytes will start at `start`
        return INCOMPLETE;
      }
      if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
      pos = dataEnd + 2;
    }
    // A read that is exactly one command (the usual case without pipelining) is used as is.
    onCommand(new Command(start === 0 && pos === buf.length ? buf : buf.subarray(start, pos), count));
    return pos;
  }

  /** A line of words at `start`: hands the command on, re-encoded as RESP, and returns where it ends, or INCOMPLETE. */
  #inline(start: number, onCommand: (command: Command) => void): number {
    const lf = this.#buf.indexOf(LF, start);
    if (lf < 0) {
      if (this.#buf.length - start > this.limits.maxInlineBytes) throw new ProtocolError('inline command too long');
      return INCOMPLETE;
    }
    const end = lf > start && this.#buf[lf - 1] === CR ? lf - 1 : lf;
    const text = this.#buf.subarray(start, end).toString('latin1');
    // Redis finds an inline line's end with strchr, which stops at a NUL byte: it never runs such
    // a line (it waits for an end it cannot see). So it is no command here either.
    if (text.includes('\0')) throw new ProtocolError('a NUL byte in an inline command; send RESP');
    if (text.includes('"') || text.includes("'"))
      throw new ProtocolError('quoted inline arguments are not supported; send RESP');
    // Split where Redis' sdssplitargs splits: at any of C's isspace characters, so a stray CR
    // is a separator, not a word (a line of one CR is empty, and ignored).
    const words = text.split(/[ \t\n\v\f\r]+/).filter(Boolean);
    if (words.length > this.limits.maxArgs)
      throw new ProtocolError(`too many arguments (limit ${this.limits.maxArgs})`);
    // An empty line is ignored, as Redis does.
    if (words.length > 0)
      onCommand(new Command(encodeCommand(words.map((w) => Buffer.from(w, 'latin1'))), words.length));
    return lf + 1;
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
