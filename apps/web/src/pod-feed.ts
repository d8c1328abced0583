// One aggregator for every open /_pod: while at least one dashboard listens, the body is
// rendered once a second from one status read and pushed to all of them as server-sent events.
// Ten open dashboards cost one render a second, not ten (bench/web-dashboards.ts measures it).
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_LISTENERS = 100;
/** A dashboard that cannot keep up (a stalled tab, a slow link) is dropped past this backlog. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

export class PodFeed {
  readonly #listeners = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;
  #rendering = false;

  constructor(
    private readonly render: () => Promise<string>,
    private readonly intervalMs = 1000,
  ) {}

  get listeners(): number {
    return this.#listeners.size;
  }

  /** Answers an EventSource request: the stream stays open until the client leaves or we stop. */
  listen(req: IncomingMessage, res: ServerResponse): void {
    if (this.#listeners.size >= MAX_LISTENERS) {
      res.writeHead(503, { 'retry-after': '10', 'content-type': 'text/plain' }).end('too many open dashboards\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no', // a proxy in front must not hold the stream back
    });
    res.write('retry: 3000\n\n');
    this.#listeners.add(res);
    req.socket.setNoDelay(true);
    res.on('close', () => {
      this.#listeners.delete(res);
      if (this.#listeners.size === 0) this.#stopTimer();
    });
    this.#timer ??= setInterval(() => void this.#push(), this.intervalMs);
    void this.#push();
  }

  /** Ends every stream: on shutdown, so the server can close. */
  close(): void {
    this.#stopTimer();
    for (const res of this.#listeners) res.end();
    this.#listeners.clear();
  }

  async #push(): Promise<void> {
    if (this.#rendering || this.#listeners.size === 0) return; // a slow render is never stacked
    this.#rendering = true;
    try {
      const body = await this.render();
      const frame = `event: body\ndata: ${body.replaceAll('\n', '\ndata: ')}\n\n`;
      for (const res of this.#listeners) {
        if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
        else res.write(frame);
      }
    } catch {
      // The next tick tries again; the status read itself never throws for a helper's failure.
    } finally {
      this.#rendering = false;
    }
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
