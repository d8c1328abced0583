// Client requests in RESP2: arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`), or inline
// commands (`GET k\r\n`, what telnet and some tools send). Each command keeps the raw bytes it
// arrived as, so a command bound for one server is forwarded as is, never re-encoded. Every
// size is bounded; anything malformed is a ProtocolError, and the connection is closed after
// its error reply, because a stream cannot be resynchronised after a framing error.

/**
 * One command: its bytes, and where each argument lies in them. Argument buffers are made only
 * when asked for: most commands need just the name (and, when sharded, the key), and at one
 * small command per read, views for every argument were most of the proxy's garbage.
 */
export class Command {
  /** Start and end of each argument within `raw`, in pairs. */
  readonly #bounds: number[];
  #args: Buffer[] | undefined;

  constructor(
    /** The command's bytes exactly as received (RESP), or re-encoded from an inline command. */
    readonly raw: Buffer,
    bounds: number[],
  ) {
    this.#bounds = bounds;
  }

  get argc(): number {
    return this.#bounds.length >> 1;
  }

  /** The command name, upper-cased. */
  get name(): string {
    return this.raw.toString('latin1', this.#bounds[0], this.#bounds[1]).toUpperCase();
  }

  /** Argument `i` (0 is the name) as a view into `raw`. */
  arg(i: number): Buffer | undefined {
    if (i >= this.argc) return undefined;
    return this.raw.subarray(this.#bounds[2 * i], this.#bounds[2 * i + 1]);
  }

  /** Every argument; args[0] is the name. */
  get args(): Buffer[] {
    this.#args ??= Array.from({ length: this.argc }, (_, i) => this.arg(i) as Buffer);
    return this.#args;
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
const INCOMPLETE = Symbol('incomplete');
const IGNORED = Symbol('ignored');

export class RequestParser {
  #buf: Buffer = EMPTY;
  /** Where the command just parsed ends: set by #multibulk and #inline, so no result object per command. */
  #end = 0;

  constructor(private readonly limits: ParserLimits) {}

  /** Adds received bytes and returns every complete command they finish. */
  push(chunk: Buffer): Command[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const commands: Command[] = [];
    let pos = 0;
    while (pos < this.#buf.length) {
      const command = this.#buf[pos] === STAR ? this.#multibulk(pos) : this.#inline(pos);
      if (command === INCOMPLETE) break;
      if (command !== IGNORED) commands.push(command);
      pos = this.#end;
    }
    this.#buf = pos >= this.#buf.length ? EMPTY : this.#buf.subarray(pos);
    if (this.#buf.length > this.limits.maxBulkBytes + this.limits.maxInlineBytes) {
      throw new ProtocolError('request too large');
    }
    return commands;
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
    if (end - start > 10 || end === start) throw new ProtocolError(`invalid ${what}`);
    let n = 0;
    let negative = false;
    for (let i = start; i < end; i++) {
      const c = this.#buf[i] as number;
      if (c === 45 && i === start) negative = true;
      else if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
      else throw new ProtocolError(`invalid ${what}`);
    }
    return negative ? -n : n;
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
    const bounds: number[] = new Array(2 * count);
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
      bounds[2 * i] = dataStart - start;
      bounds[2 * i + 1] = dataStart - start + len;
      pos = dataStart + len + 2;
    }
    this.#end = pos;
    return new Command(buf.subarray(start, pos), bounds);
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
    return commandOf(words.map((w) => Buffer.from(w, 'latin1')));
  }
}

/** A command built from its arguments, as RESP. */
function commandOf(args: Buffer[]): Command {
  const raw = encodeCommand(args);
  const bounds: number[] = [];
  let pos = raw.indexOf(10) + 1; // past `*<count>\r\n`
  for (const arg of args) {
    pos = raw.indexOf(10, pos) + 1; // past `$<length>\r\n`
    bounds.push(pos, pos + arg.length);
    pos += arg.length + 2;
  }
  return new Command(raw, bounds);
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
