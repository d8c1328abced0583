// A client's open transaction (MULTI ... EXEC), as the ambassador must keep it. Redis holds
// every command until EXEC, so the commands the ambassador answers itself (PING, ECHO, CLIENT
// ...) are held here too, answered QUEUED, and put back in their places in EXEC's reply. A
// command the ambassador refuses makes EXEC fail with EXECABORT, as an unknown command does
// in Redis, so that nothing of the transaction runs.
import { ARRAY, afterHeader, MINUS } from './resp/bytes.js';
import { array, error } from './resp/encode.js';
import { ReplyScanner } from './resp/reply-scanner.js';

export const QUEUED = Buffer.from('+QUEUED\r\n');
export const EXECABORT = error('EXECABORT Transaction discarded because of previous errors.');

/** One queued command: answered here (`local`), or sent to the server and queued there if it said QUEUED. */
interface Entry {
  local: Buffer | undefined;
  queued: boolean;
}

export class Transaction {
  readonly #entries: Entry[] = [];
  #hasLocal = false;
  /** A command was refused: EXEC must not run anything. */
  refused = false;

  /** A command answered here: its reply waits for EXEC. */
  queueLocal(reply: Buffer): Buffer {
    this.#entries.push({ local: reply, queued: true });
    this.#hasLocal = true;
    return QUEUED;
  }

  /** A command sent to the server; returns what to call with the server's answer to it. */
  queueForwarded(): (reply: Buffer) => void {
    const entry: Entry = { local: undefined, queued: false };
    this.#entries.push(entry);
    // An error instead of QUEUED (WATCH inside MULTI, say) means the server did not queue it.
    return (reply) => {
      entry.queued = reply.equals(QUEUED);
    };
  }

  /** EXEC's reply, with the replies answered here put back among the server's. */
  execReply(reply: Buffer): Buffer {
    // Not an array of results (EXECABORT, or nil when a WATCHed key changed): nothing ran.
    if (!this.#hasLocal || reply[0] !== ARRAY || reply[1] === MINUS) return reply;
    const fromServer = new ReplyScanner().push(reply.subarray(afterHeader(reply)));
    let next = 0;
    const results: Buffer[] = [];
    for (const entry of this.#entries) {
      if (entry.local) results.push(entry.local);
      else if (entry.queued) results.push(fromServer[next++] as Buffer);
    }
    return array(results);
  }
}
