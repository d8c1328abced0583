// The soak's steady traffic, and the record of every request: what was asked, when, how it
// ended. Pages follow web's /readyz the way a Service's endpoints do: once it says 503 (from
// SIGTERM on), no new page request is sent, and those in flight must still succeed.
export type Kind = 'page' | 'status' | 'scrape';

export interface Outcome {
  kind: Kind;
  target: string;
  /** Seconds since the run began, when the request was sent. */
  t: number;
  ok: boolean;
  detail?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Traffic {
  readonly outcomes: Outcome[] = [];
  /** Each page body's soak marker checked against the revision it said it was. */
  mismatches: string[] = [];
  /** Every revision a page said it was. */
  readonly seen = new Set<string>();
  #ready = true;
  #stopping = false;
  readonly #loops: Promise<void>[] = [];

  constructor(
    private readonly began: number,
    /** The soak commit number of each revision the git server has had (the first commit is 0). */
    private readonly commitOf: Map<string, number>,
  ) {}

  #now = () => (Date.now() - this.began) / 1000;

  /** Sends one request and records it; a page is checked against its revision. */
  async #request(kind: Kind, target: string, url: string): Promise<void> {
    const t = this.#now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = await res.text();
      const ok = res.status === 200;
      this.outcomes.push({ kind, target, t, ok, ...(ok ? {} : { detail: `HTTP ${res.status}` }) });
      if (ok && kind === 'page' && target === '/') this.#checkRevision(res.headers.get('x-content-revision'), body);
    } catch (error) {
      const cause = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
      this.outcomes.push({ kind, target, t, ok: false, detail: cause });
    }
  }

  #checkRevision(revision: string | null, body: string): void {
    if (revision) this.seen.add(revision);
    const n = revision ? this.commitOf.get(revision) : undefined;
    const marker = /<!-- soak commit (\d+) -->/.exec(body)?.[1];
    if (n === undefined) this.mismatches.push(`revision ${revision} is none the git server had`);
    else if ((marker === undefined ? 0 : Number(marker)) !== n)
      this.mismatches.push(`revision ${revision} (soak commit ${n}) served the body of soak commit ${marker ?? 0}`);
  }

  /** `every` ms apart, until stop(); `gated` requests wait while web is not ready. */
  #loop(everyMs: number, gated: boolean, send: () => Promise<void>): void {
    this.#loops.push(
      (async () => {
        while (!this.#stopping) {
          const next = Date.now() + everyMs;
          if (!gated || this.#ready) await send();
          await sleep(Math.max(0, next - Date.now()));
        }
      })(),
    );
  }

  start(web: string, scrapes: Record<string, string>): void {
    // The endpoints controller's view of web, every 100 ms.
    this.#loop(100, false, async () => {
      try {
        this.#ready = (await fetch(`${web}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200;
      } catch {
        this.#ready = false;
      }
    });
    for (const path of ['/', '/style.css']) this.#loop(50, true, () => this.#request('page', path, `${web}${path}`));
    this.#loop(1000, true, () => this.#request('status', '/_pod/status', `${web}/_pod/status`));
    for (const [name, url] of Object.entries(scrapes))
      this.#loop(2000, false, () => this.#request('scrape', name, url));
  }

  /** Stops the scrapes, which have nothing to follow once the pod is going. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
  }

  get ready(): boolean {
    return this.#ready;
  }
}
