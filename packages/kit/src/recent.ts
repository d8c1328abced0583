// The last few things a container did, newest last, for its ops /status document: a bounded
// list, so a status page can show a timeline without the process keeping its whole history.

export class Recent<T> {
  readonly #items: T[] = [];

  constructor(readonly limit: number) {}

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.limit) this.#items.shift();
  }

  /** A copy, oldest first. */
  items(): T[] {
    return [...this.#items];
  }
}
