// Replies from a Redis server, framed but not decoded: the scanner finds where each complete
// reply ends (nested arrays included) and hands back its raw bytes, which are forwarded to the
// client untouched. Its state survives partial reads, so a large reply arriving in many chunks
// is scanned once, not again from the start for every chunk.
import { ARRAY, BULK, CR, ERROR, INTEGER, SIMPLE } from './bytes.js';
import { integerAt } from './integer.js';

export class ReplyProtocolError extends Error {}

/** A server's lengths and counts: 15 digits is already far past anything real. */
const MAX_DIGITS = 15;

const EMPTY = Buffer.alloc(0);

export class ReplyScanner {
  #buf: Buffer = EMPTY;
  /** Where the reply being scanned starts, and how far it has been scanned. */
  #start = 0;
  #pos = 0;
  /** Elements still expected by each open array, innermost last. */
  readonly #open: number[] = [];
  /**
   * The reads of a large bulk reply, parked until there are enough to finish it, then joined
   * once: joining on every read copied a 1 MiB value hundreds of times over.
   */
  #parked: Buffer[] = [];
  #parkedBytes = 0;
  /** Bytes needed from #start to finish the bulk string being scanned (0: not known). */
  #wanted = 0;

  /** Adds received bytes; returns the complete replies they finish, in order. */
  push(chunk: Buffer): Buffer[] {
    const held = this.#buf.length - this.#start + this.#parkedBytes;
    if (held + chunk.length < this.#wanted) {
      this.#parked.push(chunk);
      this.#parkedBytes += chunk.length;
      return [];
    }
    this.#wanted = 0;
    if (held > 0) {
      this.#buf = Buffer.concat([this.#buf.subarray(this.#start), ...this.#parked, chunk]);
      this.#parked = [];
      this.#parkedBytes = 0;
      this.#pos -= this.#start;
    } else {
      this.#buf = chunk;
      this.#pos = 0;
    }
    this.#start = 0;
    const replies: Buffer[] = [];
    const buf = this.#buf;
    while (this.#pos < buf.length) {
      const type = buf[this.#pos];
      const cr = buf.indexOf(CR, this.#pos + 1);
      if (cr < 0 || cr + 1 >= buf.length) break;
      const lineEnd = cr + 2;
      if (type === SIMPLE || type === ERROR || type === INTEGER) {
        this.#pos = lineEnd; // one line: nothing nested
      } else if (type === BULK) {
        const len = integerAt(buf, this.#pos + 1, cr, MAX_DIGITS);
        if (Number.isNaN(len)) throw new ReplyProtocolError('invalid bulk length from server');
        if (len >= 0) {
          if (lineEnd + len + 2 > buf.length) {
            this.#wanted = lineEnd + len + 2 - this.#start; // the rest of the bulk has not arrived
            break;
          }
          this.#pos = lineEnd + len + 2;
        } else {
          this.#pos = lineEnd;
        }
      } else if (type === ARRAY) {
        const count = integerAt(buf, this.#pos + 1, cr, MAX_DIGITS);
        if (Number.isNaN(count)) throw new ReplyProtocolError('invalid array length from server');
        this.#pos = lineEnd;
        if (count > 0) {
          this.#open.push(count);
          continue;
        }
      } else {
        throw new ReplyProtocolError(`unexpected reply type '${String.fromCharCode(type ?? 0)}' from server`);
      }
      // One element is complete: close every array it completes.
      let complete = true;
      while (this.#open.length > 0) {
        const top = this.#open.length - 1;
        this.#open[top] = (this.#open[top] as number) - 1;
        if ((this.#open[top] as number) > 0) {
          complete = false;
          break;
        }
        this.#open.pop();
      }
      if (complete) {
        replies.push(buf.subarray(this.#start, this.#pos));
        this.#start = this.#pos;
      }
    }
    return replies;
  }
}
