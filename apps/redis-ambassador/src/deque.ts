// A FIFO queue with O(1) push and shift: requests in flight, replies owed to a client. A ring
// buffer, so that a queue which never holds many items (one per client at -P 1) never
// allocates once it has its room: it grows by doubling, and never shrinks.
export class Deque<T> {
  #items: (T | undefined)[] = new Array(4);
  #head = 0;
  #length = 0;

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length += 1;
  }

  /** Puts an item at the front: it is the next one shift() returns. */
  unshift(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#items.length - 1);
    this.#items[this.#head] = item;
    this.#length += 1;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length -= 1;
    return item;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  get length(): number {
    return this.#length;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const all: T[] = [];
    while (this.#length > 0) all.push(this.shift() as T);
    return all;
  }

  #grow(): void {
    const items: (T | undefined)[] = new Array(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
