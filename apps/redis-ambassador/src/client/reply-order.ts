// A client's replies leave in the order its commands came, whichever server answers first.
// Every command takes a slot in a FIFO, and a reply is written only once every slot before it
// is filled. The write waits for a microtask, so the replies of a whole pipeline leave in one
// write instead of one write each.
import type { Socket } from 'node:net';
import { Deque } from '../deque.js';

export interface Slot {
  reply: Buffer | undefined;
  /** CLIENT REPLY OFF or SKIP: the reply keeps its place in the order but is not written. */
  silent: boolean;
}

/** Unwritten bytes past which a slow reader's socket is no longer read, until it drains. */
const HIGH_WATER = 4 * 1024 * 1024;

export class ReplyOrder {
  readonly #slots = new Deque<Slot>();
  #flushQueued = false;

  constructor(
    private readonly socket: Socket,
    /** The client's CLIENT REPLY state: how many of the next replies are not written. */
    private readonly reply: { silence: number },
    /** After a flush that left no reply owed. */
    private readonly onAllWritten: () => void,
  ) {}

  /** Replies owed: commands taken and not yet answered or written. */
  get owed(): number {
    return this.#slots.length;
  }

  /** Takes the next place for a reply still to come. */
  reserve(): Slot {
    const slot: Slot = { reply: undefined, silent: false };
    this.add(slot);
    return slot;
  }

  /** A reply known at once (a refusal, a local answer) takes the next place. */
  answer(reply: Buffer): void {
    this.add({ reply, silent: false });
  }

  /** Takes the next place for a slot made elsewhere (a forwarded command is its own slot). */
  add(slot: Slot): void {
    if (this.reply.silence > 0) {
      slot.silent = true;
      this.reply.silence -= 1;
    }
    this.#slots.push(slot);
  }

  /** Fills a slot; if it is at the head, a flush is queued for once the current read is dispatched. */
  fill(slot: Slot, reply: Buffer): void {
    slot.reply = reply;
    if (this.#flushQueued || this.#slots.peek() !== slot) return;
    this.#flushQueued = true;
    flushSoon(this);
  }

  /** Writes every filled reply at the head of the FIFO, in one write. */
  flush(): void {
    this.#flushQueued = false;
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    for (let head = this.#slots.peek(); head?.reply; head = this.#slots.peek()) {
      this.#slots.shift();
      if (head.silent) continue;
      if (first === undefined) first = head.reply;
      else {
        more ??= [first];
        more.push(head.reply);
      }
    }
    if (first !== undefined && !this.socket.destroyed) {
      const ok = this.socket.write(more ? Buffer.concat(more) : first);
      if (!ok && this.socket.writableLength > HIGH_WATER) this.socket.pause(); // resumed on 'drain'
    }
    if (this.#slots.length === 0) this.onAllWritten();
  }
}

// One microtask for every client a server's read answered, rather than one closure per client.
let dirty: ReplyOrder[] = [];

function flushSoon(order: ReplyOrder): void {
  if (dirty.push(order) === 1) queueMicrotask(flushDirty);
}

function flushDirty(): void {
  const orders = dirty;
  dirty = [];
  for (const order of orders) order.flush();
}
